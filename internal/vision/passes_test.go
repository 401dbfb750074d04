package vision

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

func TestStarts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n, t int
		want []int
	}{
		{name: "smaller than a tile", n: 200, t: 256, want: []int{0}},
		{name: "one tile", n: 256, t: 256, want: []int{0}},
		{name: "512: three tiles", n: 512, t: 256, want: []int{0, 128, 256}},
		{name: "341: two tiles", n: 341, t: 256, want: []int{0, 85}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := starts(tt.n, tt.t)
			require.Equal(t, tt.want, got)
			for i := 1; i < len(got); i++ {
				require.GreaterOrEqual(t, got[i-1]+tt.t-got[i], tt.t/4, "overlap")
			}
			require.Equal(t, max(tt.n, tt.t), got[len(got)-1]+tt.t, "covers the side")
		})
	}
}

func TestTilesMapBack(t *testing.T) {
	t.Parallel()
	img := blank(700, 300)
	views := tiles(img, nil, []candidate{{x0: 0, y0: 0, x1: 10, y1: 10}, {x0: 340, y0: 140, x1: 360, y1: 160}, {x0: 680, y0: 0, x1: 700, y1: 10}})
	require.Equal(t, 3, len(views), "scaled to 512×219: three tiles across, one down")
	for _, v := range views {
		// The input's origin maps to the tile's origin in img's pixels.
		x, y := v.point(0, 0)
		require.GreaterOrEqual(t, x, 0.0)
		require.GreaterOrEqual(t, y, 0.0)
		x1, _ := v.point(float64(v.w0), 0)
		require.LessOrEqual(t, x1, 700.0+1e-9)
	}
}

// TestTileSelection: tiles only where candidates are, as few as hold them.
func TestTileSelection(t *testing.T) {
	t.Parallel()
	box := func(x, y, side float64) candidate { return candidate{x0: x, y0: y, x1: x + side, y1: y + side} }
	img := blank(512, 512) // a 3×3 grid of tiles at 0, 128, 256
	tests := []struct {
		name          string
		centre, cover []candidate
		want          [][2]float64 // tile origins in img's pixels
	}{
		{name: "nothing to look at", want: nil},
		{name: "one small face top left", cover: []candidate{box(20, 20, 20)}, want: [][2]float64{{0, 0}}},
		{name: "two small faces one tile holds", cover: []candidate{box(20, 20, 20), box(200, 200, 20)}, want: [][2]float64{{0, 0}}},
		{name: "faces in opposite corners", cover: []candidate{box(10, 10, 20), box(480, 480, 20)}, want: [][2]float64{{0, 0}, {256, 256}}},
		{name: "undecided face: the tile it is most central in", centre: []candidate{box(240, 240, 30)}, want: [][2]float64{{128, 128}}},
		{name: "a small face the centred tile holds adds none", centre: []candidate{box(240, 240, 30)}, cover: []candidate{box(200, 200, 20)}, want: [][2]float64{{128, 128}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][2]float64
			for _, v := range tiles(img, tt.centre, tt.cover) {
				x, y := v.point(0, 0)
				got = append(got, [2]float64{x, y})
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestPassSetCount(t *testing.T) {
	t.Parallel()
	require.Equal(t, 0, passSet(0).count())
	require.Equal(t, 1, passTiles.count())
	require.Equal(t, 3, (passBack | passFront | passZoom).count())
}

// faceCand is a candidate with a frontal face's keypoints in a 100 px box,
// rolled by swapping axes when rolled is set.
func faceCand(re, le, nose, mouth [2]float64) candidate {
	c := candidate{score: 0.9, x0: 0, y0: 0, x1: 100, y1: 100}
	c.kp[0], c.kp[1], c.kp[2], c.kp[3] = re, le, nose, mouth
	return c
}

func TestPlausible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    candidate
		want bool
	}{
		{name: "frontal", c: faceCand([2]float64{30, 40}, [2]float64{70, 40}, [2]float64{50, 60}, [2]float64{50, 80}), want: true},
		{name: "rolled 90° clockwise", c: faceCand([2]float64{60, 30}, [2]float64{60, 70}, [2]float64{40, 50}, [2]float64{20, 50}), want: true},
		{name: "eyes swapped (mirror)", c: faceCand([2]float64{70, 40}, [2]float64{30, 40}, [2]float64{50, 60}, [2]float64{50, 80})},
		{name: "eyes too close for the box", c: faceCand([2]float64{48, 40}, [2]float64{52, 40}, [2]float64{50, 60}, [2]float64{50, 80})},
		{name: "mouth far below", c: faceCand([2]float64{30, 40}, [2]float64{70, 40}, [2]float64{50, 60}, [2]float64{50, 130})},
		{name: "mouth beside the eyes", c: faceCand([2]float64{30, 40}, [2]float64{70, 40}, [2]float64{60, 45}, [2]float64{90, 45})},
		{name: "nose above the eyes", c: faceCand([2]float64{30, 40}, [2]float64{70, 40}, [2]float64{50, 20}, [2]float64{50, 80})},
		{name: "degenerate", c: faceCand([2]float64{50, 50}, [2]float64{50, 50}, [2]float64{50, 50}, [2]float64{50, 50})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, plausible(tt.c), "%+v", geometryOf(tt.c))
		})
	}
}

func TestAccept(t *testing.T) {
	t.Parallel()
	b := &BlazeFace{cfg: NewDefaultConfig()}
	good := faceCand([2]float64{30, 40}, [2]float64{70, 40}, [2]float64{50, 60}, [2]float64{50, 80})
	with := func(score float64, p passSet) candidate { c := good; c.score, c.passes = score, p; return c }
	tests := []struct {
		name string
		c    candidate
		want bool
	}{
		{name: "two passes at MinConfidence", c: with(0.65, passBack|passFront), want: true},
		{name: "two passes below", c: with(0.6, passBack|passTiles)},
		{name: "one pass below the margin", c: with(0.75, passBack)},
		{name: "one pass above the margin", c: with(0.81, passTiles), want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, b.accept(tt.c))
		})
	}
}

func TestReadPhotoSet(t *testing.T) {
	t.Parallel()
	photos, err := ReadPhotoSet(PhotoSetFile)
	require.NoError(t, err)
	halves := map[string]struct{ faces, negatives int }{}
	for _, p := range photos {
		h := halves[p.Half()]
		if len(p.Faces) == 0 && len(p.Ignore) == 0 {
			h.negatives++
		}
		h.faces += len(p.Faces)
		halves[p.Half()] = h
		require.Equal(t, p.Half(), Photo{File: p.File, View: "other"}.Half(), "all views of a photo in one half")
		require.NotEmpty(t, p.Licence, p.Name())
	}
	for _, h := range []string{HalfTune, HalfReport} {
		require.Positive(t, halves[h].faces, "faces in the %s half", h)
		require.Positive(t, halves[h].negatives, "negatives in the %s half", h)
	}

	bad := []struct{ name, line string }{
		{"columns", "a.jpg\tsrc\tsha\tlic\tfull\n"},
		{"box numbers", "a.jpg\tsrc\tsha\tlic\tfull\t1,2,3\t\tn\n"},
		{"box not a number", "a.jpg\tsrc\tsha\tlic\tfull\t1,2,x,4\t\tn\n"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "photos.tsv")
			require.NoError(t, os.WriteFile(path, []byte("file\tsource\n"+tt.line), 0o600))
			_, err := ReadPhotoSet(path)
			require.Error(t, err)
		})
	}
}

func TestPhotoViews(t *testing.T) {
	t.Parallel()
	img := blank(400, 200)
	face := []easel.Box{{X: 100, Y: 50, W: 40, H: 40}}
	tests := []struct {
		name    string
		view    string
		w, h    int
		want    []easel.Box
		wantErr bool
	}{
		{name: "full", view: "full", w: 400, h: 200, want: face},
		{name: "scaled", view: "w200", w: 200, h: 100, want: []easel.Box{{X: 50, Y: 25, W: 20, H: 20}}},
		{name: "crop", view: "crop=80,40,100,100", w: 100, h: 100, want: []easel.Box{{X: 20, Y: 10, W: 40, H: 40}}},
		{name: "crop cutting the face away", view: "crop=0,0,110,200", w: 110, h: 200},
		{name: "mosaic", view: "mosaic", w: 800, h: 400, want: []easel.Box{face[0], {X: 500, Y: 50, W: 40, H: 40}, {X: 100, Y: 250, W: 40, H: 40}, {X: 500, Y: 250, W: 40, H: 40}}},
		{name: "crop outside", view: "crop=300,0,200,100", wantErr: true},
		{name: "bad width", view: "w0", wantErr: true},
		{name: "unknown", view: "rotate", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, faces, _, err := Photo{File: "x", View: tt.view, Faces: face}.apply(img)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, [2]int{tt.w, tt.h}, [2]int{got.W, got.H})
			require.Equal(t, tt.want, faces)
		})
	}
}
