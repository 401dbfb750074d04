package retouch_test

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/easelhq/easel/internal/testimages"
	"github.com/easelhq/easel/internal/vision/retouch"
	"github.com/easelhq/easel/transform"
)

// load decodes a test image of the corpus into an RGB raster.
func load(t *testing.T, rel string) retouch.RGB {
	t.Helper()
	f, err := os.Open(testimages.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	img := retouch.RGB{Pix: make([]byte, 3*b.Dx()*b.Dy()), W: b.Dx(), H: b.Dy()}
	for y := range img.H {
		for x := range img.W {
			r, g, bb, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := 3 * (y*img.W + x)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = byte(r>>8), byte(g>>8), byte(bb>>8)
		}
	}
	return img
}

// save writes img as a PNG file into $EASEL_RETOUCH_DEBUG, when set, to
// look at the results.
func save(t *testing.T, name string, img retouch.RGB) {
	t.Helper()
	dir := os.Getenv("EASEL_RETOUCH_DEBUG")
	if dir == "" {
		return
	}
	out := image.NewRGBA(image.Rect(0, 0, img.W, img.H))
	for i := range img.W * img.H {
		copy(out.Pix[4*i:], img.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func clone(img retouch.RGB) retouch.RGB {
	img.Pix = bytes.Clone(img.Pix)
	return img
}

// checkOutside checks that every pixel for which inside is false is the
// same in before and after, and returns how many pixels changed inside.
func checkOutside(t *testing.T, before, after retouch.RGB, inside func(x, y int) bool) (changedInside int) {
	t.Helper()
	outside := 0
	for y := range before.H {
		for x := range before.W {
			i := 3 * (y*before.W + x)
			same := bytes.Equal(before.Pix[i:i+3], after.Pix[i:i+3])
			switch {
			case inside(x, y):
				if !same {
					changedInside++
				}
			case !same:
				if outside == 0 {
					t.Errorf("pixel (%d, %d) outside the regions changed: %v → %v", x, y, before.Pix[i:i+3], after.Pix[i:i+3])
				}
				outside++
			}
		}
	}
	if outside > 0 {
		t.Errorf("%d pixels outside the regions changed", outside)
	}
	return changedInside
}

// changedIn returns how many pixels for which in is true differ between
// before and after.
func changedIn(before, after retouch.RGB, in func(x, y int) bool) int {
	n := 0
	for y := range before.H {
		for x := range before.W {
			i := 3 * (y*before.W + x)
			if in(x, y) && !bytes.Equal(before.Pix[i:i+3], after.Pix[i:i+3]) {
				n++
			}
		}
	}
	return n
}

// disc returns the membership of the disc of radius r around c, pixel
// centres, independently of the package.
func disc(c transform.PointF, r float64) func(x, y int) bool {
	return func(x, y int) bool { return math.Hypot(float64(x)+0.5-c.X, float64(y)+0.5-c.Y) < r }
}

func TestRedEyeRealImage(t *testing.T) {
	t.Parallel()
	img := load(t, "faces/redeye_thumbor_redeye.png")
	if img.W != 576 || img.H != 433 {
		t.Fatalf("image is %dx%d, want 576x433", img.W, img.H)
	}
	// A close-up: the face fills the frame. The keypoints are where the
	// corpus notes put the pupils, (28%, 40%) and (73%, 40%), about 20
	// pixels above their real centres, as a detector may be off.
	face := transform.FaceRegion{
		Box:      transform.Rect{X: 0, Y: 0, W: 576, H: 433},
		RightEye: transform.PointF{X: 0.28 * 576, Y: 0.40 * 433}, // the subject's right, on the viewer's left
		LeftEye:  transform.PointF{X: 0.73 * 576, Y: 0.40 * 433},
	}
	// The red pupils as measured on the image (centroids of the red pixels):
	// radius 14 keeps inside them.
	pupils := []transform.PointF{{X: 160.5, Y: 193.6}, {X: 431.2, Y: 194.1}}
	const pupilRadius = 14

	before := retouch.RedEyeRatio(img, pupils, pupilRadius)
	out := clone(img)
	n := retouch.RedEye(out, []transform.FaceRegion{face})
	after := retouch.RedEyeRatio(out, pupils, pupilRadius)
	save(t, "redeye.png", out)
	t.Logf("red-eye ratio in the pupils: before %.2f, after %.2f; %d pixels changed", before, after, n)
	if before < 2 {
		t.Errorf("pupils before: ratio %.2f, expected strongly red (>= 2)", before)
	}
	if after >= 1.2 {
		t.Errorf("pupils after: ratio %.2f, want < 1.2", after)
	}

	// Nothing outside the eye regions changes; the regions are the discs of
	// radius 0.12 x 576 around the keypoints.
	r := 0.12 * 576
	if got := retouch.EyeRadius(face); math.Abs(got-r) > 1e-9 {
		t.Fatalf("EyeRadius = %v, want %v", got, r)
	}
	in1, in2 := disc(face.RightEye, r), disc(face.LeftEye, r)
	inside := func(x, y int) bool { return in1(x, y) || in2(x, y) }
	regions := retouch.EyeRegions([]transform.FaceRegion{face})
	for y := range img.H {
		for x := range img.W {
			if regions(x, y) != inside(x, y) {
				t.Fatalf("EyeRegions(%d, %d) = %v, want %v", x, y, regions(x, y), inside(x, y))
			}
		}
	}
	if changed := checkOutside(t, img, out, inside); changed != n || n == 0 {
		t.Errorf("RedEye reported %d pixels changed, %d did", n, changed)
	}

	// Skin and the whites of the eyes in the regions stay as they were.
	white := disc(transform.PointF{X: 120, Y: 190}, 5) // the white of the right eye, left of the iris
	skin := disc(transform.PointF{X: 161, Y: 240}, 5)  // below the eye
	if c := changedIn(img, out, func(x, y int) bool { return white(x, y) || skin(x, y) }); c != 0 {
		t.Errorf("%d pixels of skin or eye white changed", c)
	}
}

func TestWhitenRealImage(t *testing.T) {
	t.Parallel()
	img := load(t, "faces/thumbor_Katherine_Maher_800px.jpg")
	if img.W != 800 || img.H != 533 {
		t.Fatalf("image is %dx%d, want 800x533", img.W, img.H)
	}
	// Found by inspection: the face (brow to chin, cheek to cheek) and the
	// centre of the open smile; the teeth span about x 339..410, y 317..337.
	face := transform.FaceRegion{
		Box:   transform.Rect{X: 295, Y: 165, W: 200, H: 230},
		Mouth: transform.PointF{X: 373, Y: 328},
	}
	faces := []transform.FaceRegion{face}
	teeth := retouch.TeethMask(img, faces)
	count := 0
	for y := range img.H {
		for x := range img.W {
			if teeth(x, y) {
				count++
				if x < 330 || x > 418 || y < 310 || y > 345 {
					t.Errorf("teeth selected at (%d, %d), away from the teeth", x, y)
				}
			}
		}
	}
	if count < 400 {
		t.Fatalf("only %d teeth pixels selected", count)
	}
	L0, a0, b0 := retouch.MeanLab(img, teeth)
	out := clone(img)
	n := retouch.Whiten(out, faces, 50)
	L1, a1, b1 := retouch.MeanLab(out, teeth)
	save(t, "whiten50.png", out)
	t.Logf("teeth (%d pixels): before L* %.1f a* %.1f b* %.1f, after L* %.1f a* %.1f b* %.1f; %d pixels changed",
		count, L0, a0, b0, L1, a1, b1, n)
	if b1 >= b0-0.5*0.4*b0 || L1 <= L0+2 {
		t.Errorf("teeth not whitened enough: b* %.2f → %.2f, L* %.2f → %.2f", b0, b1, L0, L1)
	}

	// Lips: the lower lip below the teeth keeps its colour.
	lip := func(x, y int) bool { return x >= 355 && x < 390 && y >= 341 && y < 345 }
	if c := changedIn(img, out, lip); c > 5 {
		t.Errorf("%d pixels of the lower lip changed", c)
	}

	// Nothing outside the mouth ellipse changes: 90 x 46 around the mouth.
	m := face.Mouth
	inside := func(x, y int) bool {
		dx, dy := (float64(x)+0.5-m.X)/45, (float64(y)+0.5-m.Y)/23
		return dx*dx+dy*dy < 1
	}
	regions := retouch.MouthRegions(faces)
	for y := range img.H {
		for x := range img.W {
			if regions(x, y) != inside(x, y) {
				t.Fatalf("MouthRegions(%d, %d) = %v, want %v", x, y, regions(x, y), inside(x, y))
			}
		}
	}
	if changed := checkOutside(t, img, out, inside); changed != n || n == 0 {
		t.Errorf("Whiten reported %d pixels changed, %d did", n, changed)
	}

	// Stronger is whiter.
	strong := clone(img)
	retouch.Whiten(strong, faces, 100)
	L2, _, b2 := retouch.MeanLab(strong, teeth)
	save(t, "whiten100.png", strong)
	t.Logf("strength 100: L* %.1f b* %.1f", L2, b2)
	if !(b2 < b1 && L2 > L1) {
		t.Errorf("strength 100 (L* %.2f b* %.2f) not whiter than 50 (L* %.2f b* %.2f)", L2, b2, L1, b1)
	}
}

// canvas returns a w x h image of one colour.
func canvas(w, h int, c [3]byte) retouch.RGB {
	img := retouch.RGB{Pix: make([]byte, 3*w*h), W: w, H: h}
	for i := 0; i < len(img.Pix); i += 3 {
		copy(img.Pix[i:], c[:])
	}
	return img
}

// paint fills the pixels of img for which in is true.
func paint(img retouch.RGB, c [3]byte, in func(x, y int) bool) {
	for y := range img.H {
		for x := range img.W {
			if in(x, y) {
				copy(img.Pix[3*(y*img.W+x):], c[:])
			}
		}
	}
}

func TestRedEyeSynthetic(t *testing.T) {
	t.Parallel()
	grey := [3]byte{128, 128, 128}
	face := transform.FaceRegion{
		Box:      transform.Rect{X: 10, Y: 10, W: 100, H: 100},
		RightEye: transform.PointF{X: 40, Y: 50},
		LeftEye:  transform.PointF{X: 80, Y: 50},
	}
	faces := []transform.FaceRegion{face}
	centres := []transform.PointF{face.RightEye, face.LeftEye}
	pupils := func(x, y int) bool { return disc(centres[0], 6)(x, y) || disc(centres[1], 6)(x, y) }

	t.Run("red discs are fixed", func(t *testing.T) {
		t.Parallel()
		img := canvas(120, 120, grey)
		paint(img, [3]byte{210, 40, 50}, pupils)
		out := clone(img)
		n := retouch.RedEye(out, faces)
		before, after := retouch.RedEyeRatio(img, centres, 6), retouch.RedEyeRatio(out, centres, 6)
		if before < 4 || after > 1.05 || n < 200 {
			t.Fatalf("ratio %.2f → %.2f, %d pixels changed", before, after, n)
		}
		// Only the red pixels changed: the grey around them is as it was.
		if c := checkOutside(t, img, out, pupils); c != n {
			t.Fatalf("%d pixels changed, %d of them red", n, c)
		}
		// Red became grey-ish and dark, not black: R = (G+B)/2, times the gain.
		i := 3 * (50*120 + 40)
		if p := out.Pix[i : i+3]; p[0] != 56 || p[1] != 50 || p[2] != 63 {
			t.Fatalf("pupil pixel %v, want [56 50 63]", p)
		}
	})
	t.Run("grey discs are untouched", func(t *testing.T) {
		t.Parallel()
		img := canvas(120, 120, grey)
		paint(img, [3]byte{40, 40, 40}, pupils)
		out := clone(img)
		if n := retouch.RedEye(out, faces); n != 0 || !bytes.Equal(img.Pix, out.Pix) {
			t.Fatalf("%d pixels changed", n)
		}
	})
	t.Run("red outside the eye regions is untouched", func(t *testing.T) {
		t.Parallel()
		img := canvas(120, 120, [3]byte{220, 30, 30}) // all red
		out := clone(img)
		n := retouch.RedEye(out, faces)
		r := retouch.EyeRadius(face) // 12
		inside := func(x, y int) bool { return disc(centres[0], r)(x, y) || disc(centres[1], r)(x, y) }
		if c := checkOutside(t, img, out, inside); c != n || n == 0 {
			t.Fatalf("%d pixels changed, %d reported", c, n)
		}
	})
}

func TestWhitenSynthetic(t *testing.T) {
	t.Parallel()
	skin := [3]byte{205, 150, 125}
	yellow := [3]byte{225, 210, 160} // yellowish teeth: b* about 22
	face := transform.FaceRegion{Box: transform.Rect{X: 0, Y: 0, W: 200, H: 200}, Mouth: transform.PointF{X: 100, Y: 150}}
	faces := []transform.FaceRegion{face}
	// The mouth region is 90 x 40 around (100, 150); the teeth 50 x 12.
	teethRect := func(x, y int) bool { return x >= 75 && x < 125 && y >= 144 && y < 156 }
	img := canvas(200, 200, skin)
	paint(img, [3]byte{150, 70, 80}, func(x, y int) bool { return x >= 70 && x < 130 && y >= 140 && y < 160 }) // lips
	paint(img, yellow, teethRect)
	mask := retouch.TeethMask(img, faces)
	inner := func(x, y int) bool { return x >= 77 && x < 123 && y >= 146 && y < 154 }
	for y := range img.H {
		for x := range img.W {
			if inner(x, y) && !mask(x, y) || mask(x, y) && !teethRect(x, y) {
				t.Fatalf("TeethMask(%d, %d) = %v", x, y, mask(x, y))
			}
		}
	}
	out := clone(img)
	n := retouch.Whiten(out, faces, 80)
	L0, _, b0 := retouch.MeanLab(img, inner)
	L1, _, b1 := retouch.MeanLab(out, inner)
	if !(b1 < b0*0.45 && L1 > L0+6) {
		t.Fatalf("teeth L* %.1f → %.1f, b* %.1f → %.1f", L0, L1, b0, b1)
	}
	// Skin and lips are not teeth: only the teeth change, and the pixels
	// next to them, where the selection is feathered.
	near := func(x, y int) bool { return x >= 74 && x < 126 && y >= 143 && y < 157 }
	if c := checkOutside(t, img, out, near); c != n || n == 0 {
		t.Fatalf("%d pixels changed, %d of them teeth", n, c)
	}
	if c := changedIn(img, out, func(x, y int) bool { return near(x, y) && !teethRect(x, y) }); c > 0 {
		lip := out.Pix[3*(143*200+74):][:3]
		if lip[0] > 160 || lip[1] > 80 || lip[2] > 90 {
			t.Fatalf("the lip next to the teeth became %v", lip)
		}
	}
	// Strength 0 does nothing.
	out = clone(img)
	if n := retouch.Whiten(out, faces, 0); n != 0 || !bytes.Equal(out.Pix, img.Pix) {
		t.Fatalf("strength 0 changed %d pixels", n)
	}
	// A closed mouth: only skin and lips. Nothing is taken for teeth.
	closed := canvas(200, 200, skin)
	paint(closed, [3]byte{150, 70, 80}, func(x, y int) bool { return x >= 70 && x < 130 && y >= 145 && y < 155 })
	out = clone(closed)
	if n := retouch.Whiten(out, faces, 100); n != 0 {
		t.Fatalf("closed mouth: %d pixels changed", n)
	}
}

func TestDegenerateInputs(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	faces := []transform.FaceRegion{
		{}, // zero: regions of the minimum size at (0, 0)
		{Box: transform.Rect{X: -50, Y: -50, W: 80, H: 80}, RightEye: transform.PointF{X: -20, Y: -20}, LeftEye: transform.PointF{X: 25, Y: 5}, Mouth: transform.PointF{X: 0, Y: 20}},
		{Box: transform.Rect{X: 10, Y: 10, W: 30, H: 30}, RightEye: transform.PointF{X: nan, Y: 5}, LeftEye: transform.PointF{X: 1e300, Y: 1e300}, Mouth: transform.PointF{X: math.Inf(-1)}},
		{Box: transform.Rect{X: 10, Y: 10, W: 30, H: 30}, RightEye: transform.PointF{X: 500, Y: 500}}, // far from its face
	}
	red := canvas(40, 30, [3]byte{220, 20, 20})
	for _, img := range []retouch.RGB{red, {}, {W: 10, H: 10, Pix: make([]byte, 299)}, {W: -1, H: 5}} {
		before := clone(img)
		retouch.RedEye(img, faces)
		retouch.Whiten(img, faces, 100)
		retouch.RedEyeRatio(img, []transform.PointF{{X: nan}}, 3)
		retouch.MeanLab(img, nil)
		retouch.TeethMask(img, faces)(0, 0)
		if img.W != 40 && !bytes.Equal(before.Pix, img.Pix) {
			t.Fatalf("invalid image %dx%d written", img.W, img.H)
		}
	}
	// The part of the second face's left eye region inside the image was
	// corrected; the rest of the image is red still.
	if red.Pix[3*(29*40+39)] != 220 {
		t.Fatal("pixel far from every eye changed")
	}
	if red.Pix[3*(5*40+25)] == 220 {
		t.Fatal("the eye inside the image was not corrected")
	}
}

func TestMeanLab(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		c       [3]byte
		L, a, b float64
	}{
		{[3]byte{255, 255, 255}, 100, 0, 0},
		{[3]byte{0, 0, 0}, 0, 0, 0},
		{[3]byte{255, 0, 0}, 53.24, 80.09, 67.20},
		{[3]byte{255, 255, 0}, 97.14, -21.55, 94.48},
	} {
		L, a, b := retouch.MeanLab(canvas(3, 2, tt.c), nil)
		if math.Abs(L-tt.L) > 0.05 || math.Abs(a-tt.a) > 0.05 || math.Abs(b-tt.b) > 0.05 {
			t.Errorf("MeanLab(%v) = %.2f %.2f %.2f, want %.2f %.2f %.2f", tt.c, L, a, b, tt.L, tt.a, tt.b)
		}
	}
	if L, a, b := retouch.MeanLab(canvas(3, 2, [3]byte{1, 2, 3}), func(int, int) bool { return false }); L != 0 || a != 0 || b != 0 {
		t.Errorf("MeanLab of no pixel = %v %v %v", L, a, b)
	}
}
