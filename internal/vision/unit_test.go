package vision

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	scores := make([]float32, len(anchors))
	regs := make([]float32, len(anchors)*numRegressors)
	for i := range scores {
		scores[i] = -10
	}
	// Anchor 2*(16*3+5)+1: the 16×16 grid, row 3, column 5, second anchor;
	// anchor 512+6*(8*7+2): the 8×8 grid, row 7, column 2.
	small, large := 2*(16*3+5)+1, 512+6*(8*7+2)
	for _, i := range []int{small, large} {
		scores[i] = 3
		r := regs[i*numRegressors:]
		r[0], r[1], r[2], r[3] = 2, -4, 20, 30 // centre offset, size
		r[4], r[5] = -5, -6                    // right eye
	}
	tests := []struct {
		name     string
		minScore float64
		want     []candidate
	}{
		{name: "both", minScore: 0.9, want: []candidate{
			{score: sigmoid(3), x0: 5.5*16 + 2 - 10, y0: 3.5*16 - 4 - 15, x1: 5.5*16 + 2 + 10, y1: 3.5*16 - 4 + 15},
			{score: sigmoid(3), x0: 2.5*32 + 2 - 10, y0: 7.5*32 - 4 - 15, x1: 2.5*32 + 2 + 10, y1: 7.5*32 - 4 + 15},
		}},
		{name: "none above 0.99", minScore: 0.99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decode(scores, regs, tt.minScore, backSize)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				require.InDelta(t, w.score, got[i].score, 1e-9)
				require.InDeltaSlice(t, []float64{w.x0, w.y0, w.x1, w.y1}, []float64{got[i].x0, got[i].y0, got[i].x1, got[i].y1}, 1e-4)
				require.InDelta(t, (got[i].x0+got[i].x1)/2-2-5, got[i].kp[0][0], 1e-4, "keypoint relative to the anchor")
				require.InDelta(t, (got[i].y0+got[i].y1)/2+4-6, got[i].kp[0][1], 1e-4, "keypoint relative to the anchor")
			}
		})
	}
}

func TestWeightedNMS(t *testing.T) {
	t.Parallel()
	box := func(score, x0 float64) candidate {
		c := candidate{score: score, x0: x0, y0: 0, x1: x0 + 10, y1: 10}
		c.kp[0] = [2]float64{x0, 0}
		return c
	}
	tests := []struct {
		name string
		in   []candidate
		want []candidate
	}{
		{name: "empty"},
		{name: "disjoint kept, best first", in: []candidate{box(0.7, 0), box(0.9, 100)}, want: []candidate{box(0.9, 100), box(0.7, 0)}},
		{name: "overlapping averaged by score", in: []candidate{box(0.6, 2), box(0.9, 0), box(0.3, 1)},
			want: []candidate{func() candidate {
				x := (0.9*0 + 0.6*2 + 0.3*1) / 1.8
				c := box(0.9, x)
				return c
			}()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := weightedNMS(tt.in, nmsIoU)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				require.InDelta(t, w.score, got[i].score, 1e-9)
				require.InDelta(t, w.x0, got[i].x0, 1e-9)
				require.InDelta(t, w.x1, got[i].x1, 1e-9)
				require.InDelta(t, w.kp[0][0], got[i].kp[0][0], 1e-9)
			}
		})
	}
}

func TestOrient(t *testing.T) {
	t.Parallel()
	// 3×2 raster, pixel value = its index: 0 1 2 / 3 4 5.
	src := RGB{W: 3, H: 2, Pix: make([]byte, 18)}
	for i := range 6 {
		src.Pix[i*3] = byte(i)
	}
	tests := []struct {
		name        string
		orientation int
		w, h        int
		want        []byte
	}{
		{"1 as is", 1, 3, 2, []byte{0, 1, 2, 3, 4, 5}},
		{"2 mirrored", 2, 3, 2, []byte{2, 1, 0, 5, 4, 3}},
		{"3 rotated 180", 3, 3, 2, []byte{5, 4, 3, 2, 1, 0}},
		{"4 flipped", 4, 3, 2, []byte{3, 4, 5, 0, 1, 2}},
		{"5 transposed", 5, 2, 3, []byte{0, 3, 1, 4, 2, 5}},
		{"6 rotated 90 clockwise", 6, 2, 3, []byte{3, 0, 4, 1, 5, 2}},
		{"7 transversed", 7, 2, 3, []byte{5, 2, 4, 1, 3, 0}},
		{"8 rotated 90 counter-clockwise", 8, 2, 3, []byte{2, 5, 1, 4, 0, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := orient(src, tt.orientation)
			require.Equal(t, tt.w, got.W)
			require.Equal(t, tt.h, got.H)
			var vals []byte
			for i := range got.W * got.H {
				vals = append(vals, got.Pix[i*3])
			}
			require.Equal(t, tt.want, vals)
		})
	}
}

func TestLoadRGBOrientation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		file      string
		w, h      int
		exifValue int
	}{
		{"webp orientation 6", "orientation/pillow_hopper_orientation_6.webp", 128, 128, 6},
		{"jpeg without exif", "faces/pillow_hopper.jpg", 128, 128, 1},
		{"png", "faces/redeye_thumbor_redeye.png", 576, 433, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := LoadRGB(testimages.Path(t, tt.file))
			require.NoError(t, err)
			require.Equal(t, [2]int{tt.w, tt.h}, [2]int{img.W, img.H})
			require.Len(t, img.Pix, img.W*img.H*3)
			require.Equal(t, tt.exifValue, exifOrientation(testimages.Read(t, tt.file)))
		})
	}
}

func TestReadTruth(t *testing.T) {
	t.Parallel()
	truths, err := ReadTruth(testimages.Dir(t))
	require.NoError(t, err)
	byFile := map[string]Truth{}
	for _, tr := range truths {
		byFile[tr.File] = tr
	}
	require.Equal(t, 0, byFile["faces/thumbor_no_face.jpg"].Faces)
	astro := byFile["faces/skimage_astronaut.png"]
	require.NotNil(t, astro.Box)
	require.Equal(t, 180.0, astro.Box.X)
	require.Equal(t, 140.0, astro.Box.H)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr bool
	}{
		{"default", func(*Config) {}, false},
		{"confidence above 1", func(c *Config) { c.MinConfidence = 1.5 }, true},
		{"negative threads", func(c *Config) { c.Threads = -1 }, true},
		{"negative sessions", func(c *Config) { c.Sessions = -2 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewDefaultConfig()
			tt.edit(&c)
			require.Equal(t, tt.wantErr, c.Validate() != nil)
		})
	}
}

func TestNewFallsBackToPigo(t *testing.T) {
	t.Parallel()
	cfg := NewDefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "missing")
	d, reason, err := New(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Equal(t, NamePigo, d.Name())
	require.Contains(t, reason, "vision-deps")
	require.Equal(t, "pigo ("+reason+")", Describe(d, reason))
}

func TestNewPrefersBlazeFace(t *testing.T) {
	t.Parallel()
	blazeFace(t) // skips (or fails in CI) without the runtime
	d, reason, err := New(testConfig(t), nil)
	require.NoError(t, err)
	require.Equal(t, NameBlazeFace, d.Name())
	require.Empty(t, reason)
	require.Equal(t, "blazeface", Describe(d, reason))
	require.NoError(t, d.(*BlazeFace).Close())
	require.NoError(t, d.(*BlazeFace).Close(), "Close is idempotent")
	_, err = d.Detect(t.Context(), blank(8, 8))
	require.ErrorIs(t, err, errClosed)
}
