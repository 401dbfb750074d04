package vision

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/testimages"
)

// TestTruthSet checks every image of faces/TRUTH.tsv: each truth face found
// (box overlap when the truth gives a box), no other face, nothing on the
// negatives. pigo may miss what FACES.md says it misses.
func TestTruthSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		detector   func(testing.TB) Detector
		mayMiss    map[string]bool
		minRecall  float64
		minPrecise float64
	}{
		{name: NameBlazeFace, detector: blazeFace, minRecall: 0.95, minPrecise: 0.95},
		{
			name: NamePigo, detector: pigoDetector, minRecall: 0.8, minPrecise: 0.95,
			mayMiss: map[string]bool{"faces/redeye_thumbor_redeye.png": true}, // red-eye close-ups: 0 of 4 in FACES.md
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := tt.detector(t)
			recall, precision, results, err := Evaluate(context.Background(), d, testimages.Dir(t))
			require.NoError(t, err)
			require.NotEmpty(t, results)
			for _, r := range results {
				t.Run(filepath.Base(r.File), func(t *testing.T) {
					require.Zero(t, r.FalsePositives(), "false positives: %+v", r.Found)
					if tt.mayMiss[r.File] && r.Matched < r.Faces {
						t.Logf("%s misses %s (known)", tt.name, r.File)
						return
					}
					require.Len(t, r.Found, r.Faces, "faces found: %+v", r.Found)
					require.Equal(t, r.Faces, r.Matched, "truth box %+v, found %+v", r.Box, r.Found)
				})
			}
			t.Logf("%s: recall %.2f precision %.2f", tt.name, recall, precision)
			require.GreaterOrEqual(t, recall, tt.minRecall)
			require.GreaterOrEqual(t, precision, tt.minPrecise)
		})
	}
}

// TestRedEyeKeypoints: on the red-eye close-up, the eye keypoints land on the
// red pupils, the subject's right eye on the viewer's left.
func TestRedEyeKeypoints(t *testing.T) {
	t.Parallel()
	d := blazeFace(t)
	img, err := LoadRGB(testimages.Path(t, "faces/redeye_thumbor_redeye.png"))
	require.NoError(t, err)
	faces, err := d.Detect(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, faces, 1)
	w, h := float64(img.W), float64(img.H)
	tests := []struct {
		name string
		got  easel.Point
		want easel.Point // fractions of the image size
	}{
		{"right eye, viewer's left", faces[0].RightEye, easel.Point{X: 0.28, Y: 0.40}},
		{"left eye, viewer's right", faces[0].LeftEye, easel.Point{X: 0.73, Y: 0.40}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dist := math.Hypot(tt.got.X-tt.want.X*w, tt.got.Y-tt.want.Y*h)
			require.Less(t, dist, 0.08*w, "eye at (%.0f, %.0f), want about (%.0f, %.0f)", tt.got.X, tt.got.Y, tt.want.X*w, tt.want.Y*h)
		})
	}
	require.Greater(t, faces[0].Mouth.Y, faces[0].Nose.Y, "mouth below the nose")
	require.Greater(t, faces[0].Nose.Y, faces[0].RightEye.Y, "nose below the eyes")
}

// TestKeypointSides: on frontal photos, for both detectors, the subject's
// right eye and ear are on the viewer's left, the mouth below the eyes.
func TestKeypointSides(t *testing.T) {
	t.Parallel()
	for _, d := range detectors {
		for _, file := range []string{"faces/skimage_astronaut.png", "faces/thumbor_Katherine_Maher_800px.jpg"} {
			t.Run(d.name+"/"+filepath.Base(file), func(t *testing.T) {
				det := d.get(t)
				img, err := LoadRGB(testimages.Path(t, file))
				require.NoError(t, err)
				faces, err := det.Detect(context.Background(), img)
				require.NoError(t, err)
				require.Len(t, faces, 1)
				f := faces[0]
				require.Less(t, f.RightEye.X, f.LeftEye.X)
				require.Less(t, f.RightEar.X, f.LeftEar.X)
				require.Greater(t, f.Mouth.Y, max(f.RightEye.Y, f.LeftEye.Y))
				for _, p := range []easel.Point{f.RightEye, f.LeftEye, f.Nose, f.Mouth} {
					require.True(t, p.X >= f.Box.X && p.X <= f.Box.X+f.Box.W && p.Y >= f.Box.Y && p.Y <= f.Box.Y+f.Box.H,
						"keypoint %+v outside the box %+v", p, f.Box)
				}
			})
		}
	}
}

// TestDetectAnySize: the box follows the face when the image is enlarged or
// padded to another aspect ratio (letterbox mapping), and blank images of
// odd sizes give no face.
func TestDetectAnySize(t *testing.T) {
	t.Parallel()
	src, err := LoadRGB(testimages.Path(t, "faces/skimage_astronaut.png"))
	require.NoError(t, err)
	tests := []struct {
		name  string
		img   RGB
		scale float64 // of the face box relative to src; 0: no face expected
		dx    float64
	}{
		{name: "as is", img: src, scale: 1},
		{name: "enlarged 2x", img: resize(src, 1024, 1024), scale: 2},
		{name: "padded right to 1536x512", img: pad(src, 1536, 512, 0), scale: 1},
		{name: "padded left to 512x1200", img: pad(src, 512, 1200, 0), scale: 1},
		{name: "padded left to 1000x512", img: pad(src, 1000, 512, 488), scale: 1, dx: 488},
		{name: "blank 1x1", img: blank(1, 1)},
		{name: "blank 3000x7", img: blank(3000, 7)},
		{name: "blank 5x900", img: blank(5, 900)},
	}
	for _, d := range detectors {
		t.Run(d.name, func(t *testing.T) {
			det := d.get(t)
			ref, err := det.Detect(context.Background(), src)
			require.NoError(t, err)
			require.Len(t, ref, 1)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					faces, err := det.Detect(context.Background(), tt.img)
					require.NoError(t, err)
					if tt.scale == 0 {
						require.Empty(t, faces)
						return
					}
					require.Len(t, faces, 1)
					want := easel.Box{X: ref[0].Box.X*tt.scale + tt.dx, Y: ref[0].Box.Y * tt.scale, W: ref[0].Box.W * tt.scale, H: ref[0].Box.H * tt.scale}
					// The model sizes a face a little differently when it is smaller in
					// the input; the centre must stay within 5% of the box.
					got := faces[0].Box
					require.GreaterOrEqual(t, iou(got, want), 0.5, "box %+v, want about %+v", got, want)
					require.InDelta(t, want.X+want.W/2, got.X+got.W/2, 0.05*want.W, "centre x: box %+v, want about %+v", got, want)
					require.InDelta(t, want.Y+want.H/2, got.Y+got.H/2, 0.05*want.H, "centre y: box %+v, want about %+v", got, want)
				})
			}
		})
	}
}

// TestDetectErrors: invalid rasters and cancelled contexts.
func TestDetectErrors(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		img      RGB
		wantCode easel.Code
		wantErr  error
	}{
		{name: "empty", ctx: context.Background(), img: RGB{}, wantCode: easel.CodeInvalidArgument},
		{name: "short buffer", ctx: context.Background(), img: RGB{Pix: make([]byte, 10), W: 2, H: 2}, wantCode: easel.CodeInvalidArgument},
		{name: "negative size", ctx: context.Background(), img: RGB{W: -1, H: 4}, wantCode: easel.CodeInvalidArgument},
		{name: "cancelled", ctx: cancelled, img: blank(8, 8), wantErr: context.Canceled},
	}
	for _, d := range detectors {
		for _, tt := range tests {
			t.Run(d.name+"/"+tt.name, func(t *testing.T) {
				_, err := d.get(t).Detect(tt.ctx, tt.img)
				require.Error(t, err)
				if tt.wantErr != nil {
					require.ErrorIs(t, err, tt.wantErr)
				} else {
					require.Equal(t, tt.wantCode, easel.ErrorCode(err))
				}
			})
		}
	}
}

// TestDetectConcurrent: parallel callers share the session pool and get the
// same faces.
func TestDetectConcurrent(t *testing.T) {
	t.Parallel()
	d := blazeFace(t)
	img, err := LoadRGB(testimages.Path(t, "faces/thumbor_Katherine_Maher_800px.jpg"))
	require.NoError(t, err)
	want, err := d.Detect(context.Background(), img)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				got, err := d.Detect(context.Background(), img)
				if err == nil && fmt.Sprint(got) != fmt.Sprint(want) {
					err = fmt.Errorf("got %+v, want %+v", got, want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// BenchmarkDetect times each detector on a 1024 px photo.
func BenchmarkDetect(b *testing.B) {
	src, err := LoadRGB(testimages.Path(b, "faces/thumbor_Katherine_Maher_800px.jpg"))
	require.NoError(b, err)
	img := resize(src, 1024, 1024*src.H/src.W)
	for _, d := range detectors {
		b.Run(d.name, func(b *testing.B) {
			det := d.get(b)
			for b.Loop() {
				faces, err := det.Detect(context.Background(), img)
				if err != nil || len(faces) != 1 {
					b.Fatalf("faces %v, err %v", faces, err)
				}
			}
		})
	}
}

// BenchmarkDetectParallel measures the session pool: callers on every core
// (compare Config.Sessions 1 and 2).
func BenchmarkDetectParallel(b *testing.B) {
	src, err := LoadRGB(testimages.Path(b, "faces/thumbor_Katherine_Maher_800px.jpg"))
	require.NoError(b, err)
	img := resize(src, 1024, 1024*src.H/src.W)
	blazeFace(b)
	for _, sessions := range []int{1, 2} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			cfg := testConfig(b)
			cfg.Sessions = sessions
			d, err := NewBlazeFace(cfg)
			require.NoError(b, err)
			defer d.(*BlazeFace).Close()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := d.Detect(context.Background(), img); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// pad places img at (x, 0) on a grey w×h canvas.
func pad(img RGB, w, h, x int) RGB {
	out := blank(w, h)
	for y := range img.H {
		copy(out.Pix[(y*w+x)*3:], img.Pix[y*img.W*3:(y+1)*img.W*3])
	}
	return out
}

func blank(w, h int) RGB {
	img := RGB{Pix: make([]byte, w*h*3), W: w, H: h}
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	return img
}
