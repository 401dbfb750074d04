package transform_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// face is a face of the 1200x800 landscape source: box x 100..300,
// y 200..300, the subject's right eye on the viewer's left.
var face = easel.Face{
	Box:      easel.Box{X: 100, Y: 200, W: 200, H: 100},
	RightEye: easel.Point{X: 150, Y: 240},
	LeftEye:  easel.Point{X: 250, Y: 240},
	Mouth:    easel.Point{X: 200, Y: 280},
	Nose:     easel.Point{X: 200, Y: 260},
}

func region(x, y, w, h int, re, le, mouth transform.PointF) transform.FaceRegion {
	return transform.FaceRegion{Box: transform.Rect{X: x, Y: y, W: w, H: h}, RightEye: re, LeftEye: le, Mouth: mouth}
}

func pt(x, y float64) transform.PointF { return transform.PointF{X: x, Y: y} }

func sameRegions(got, want []transform.FaceRegion) bool {
	if len(got) != len(want) {
		return false
	}
	near := func(a, b transform.PointF) bool { return math.Abs(a.X-b.X) < 1e-9 && math.Abs(a.Y-b.Y) < 1e-9 }
	for i := range got {
		g, w := got[i], want[i]
		if g.Box != w.Box || !near(g.RightEye, w.RightEye) || !near(g.LeftEye, w.LeftEye) || !near(g.Mouth, w.Mouth) {
			return false
		}
	}
	return true
}

func TestNewPlanFaceMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		segment string // e_redeye is added
		want    []transform.FaceRegion
	}{
		{"identity", "f_png",
			[]transform.FaceRegion{region(100, 200, 200, 100, pt(150, 240), pt(250, 240), pt(200, 280))}},
		// (x, y) → (800 - y, x) on the 1200x800 image.
		{"rotate 90", "a_90",
			[]transform.FaceRegion{region(500, 100, 100, 200, pt(560, 150), pt(560, 250), pt(520, 200))}},
		// (x, y) → (1200 - x, 800 - y).
		{"rotate 180", "a_180",
			[]transform.FaceRegion{region(900, 500, 200, 100, pt(1050, 560), pt(950, 560), pt(1000, 520))}},
		// (x, y) → (y, 1200 - x).
		{"rotate 270", "a_270",
			[]transform.FaceRegion{region(200, 900, 100, 200, pt(240, 1050), pt(240, 950), pt(280, 1000))}},
		{"flip h", "fl_h",
			[]transform.FaceRegion{region(900, 200, 200, 100, pt(1050, 240), pt(950, 240), pt(1000, 280))}},
		{"flip v", "fl_v",
			[]transform.FaceRegion{region(100, 500, 200, 100, pt(150, 560), pt(250, 560), pt(200, 520))}},
		// Rotated first (800x1200), then (x, y) → (800 - x, y).
		{"rotate 90 then flip h", "a_90,fl_h",
			[]transform.FaceRegion{region(200, 100, 100, 200, pt(240, 150), pt(240, 250), pt(280, 200))}},
		{"rotate 90 then both flips", "a_90,fl_h,fl_v",
			[]transform.FaceRegion{region(200, 900, 100, 200, pt(240, 1050), pt(240, 950), pt(280, 1000))}},
		{"scale half", "w_600",
			[]transform.FaceRegion{region(50, 100, 100, 50, pt(75, 120), pt(125, 120), pt(100, 140))}},
		// 0.5 across, 0.25 down.
		{"scale per axis", "w_600,h_200,c_scale",
			[]transform.FaceRegion{region(50, 50, 100, 25, pt(75, 60), pt(125, 60), pt(100, 70))}},
		// 1200x800 → 700x467: x ×7/12 (58.33..175), y ×467/800 (116.75..175.125), rounded outwards.
		{"scale rounds outwards", "w_700",
			[]transform.FaceRegion{region(58, 116, 117, 60, pt(87.5, 240*467.0/800), pt(250*7.0/12, 240*467.0/800), pt(200*7.0/12, 280*467.0/800))}},
		{"crop box", "cr_50:150:400:300",
			[]transform.FaceRegion{region(50, 50, 200, 100, pt(100, 90), pt(200, 90), pt(150, 130))}},
		{"crop box cuts the face", "cr_200:0:1000:800",
			[]transform.FaceRegion{region(0, 200, 100, 100, pt(-50, 240), pt(50, 240), pt(0, 280))}},
		{"crop box without the face", "cr_600:0:600:800", nil},
		{"crop box touching the face", "cr_300:0:900:800", nil},
		// Extract (0, 275, 250, 250): the box is cut to x 100..250, y 0..25.
		{"extract cuts the face", "w_250,h_250,c_crop,g_west",
			[]transform.FaceRegion{region(100, 0, 150, 25, pt(150, -35), pt(250, -35), pt(200, 5))}},
		{"extract without the face", "w_400,h_300,c_crop,g_south_east", nil},
		// 600x400, then extract (0, 0, 400, 400).
		{"fill", "w_400,h_400,c_fill,g_west",
			[]transform.FaceRegion{region(50, 100, 100, 50, pt(75, 120), pt(125, 120), pt(100, 140))}},
		// 600x400 embedded at (0, 100) on 600x600.
		{"embed", "w_600,h_600,c_pad",
			[]transform.FaceRegion{region(50, 200, 100, 50, pt(75, 220), pt(125, 220), pt(100, 240))}},
		// Crop box: x 0..200, y 100..200 of 1000x600; rotate 90: x 400..500,
		// y 0..200 of 600x1000; flip v: y 800..1000; fit 300x300: ×0.3 to
		// 180x300; embed at (60, 0).
		{"every step", "cr_100:100:1000:600,a_90,fl_v,w_300,h_300,c_pad",
			[]transform.FaceRegion{region(180, 240, 30, 60, pt(198, 285), pt(198, 255), pt(186, 270))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := newPlan(t, tt.segment+",e_redeye", landscape, transform.PlanConfig{Faces: []easel.Face{face}})
			if err != nil {
				t.Fatalf("NewPlan(%q): %v", tt.segment, err)
			}
			if !sameRegions(p.Faces, tt.want) {
				t.Fatalf("NewPlan(%q).Faces\n got %+v\nwant %+v", tt.segment, p.Faces, tt.want)
			}
		})
	}
}

func TestNewPlanFacesOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	cfg := transform.PlanConfig{Faces: []easel.Face{face}}
	for segment, want := range map[string]int{
		"w_600":                                  0,
		"w_600,g_face,c_fill":                    0,
		"e_redeye":                               1,
		"e_whiten":                               1,
		"e_blur_faces":                           1,
		"e_pixelate_faces:4":                     1,
		"e_pixelate:4,e_blur:2":                  0,
		"e_redeye,cr_0:0:10:10":                  0,
		"e_whiten,w_10,h_10,c_crop,g_south_east": 0,
	} {
		p, err := newPlan(t, segment, landscape, cfg)
		if err != nil {
			t.Fatalf("NewPlan(%q): %v", segment, err)
		}
		if len(p.Faces) != want {
			t.Errorf("NewPlan(%q) has %d faces, want %d", segment, len(p.Faces), want)
		}
	}
	p, err := newPlan(t, "e_redeye", landscape, transform.PlanConfig{})
	if err != nil || p.Faces != nil {
		t.Fatalf("NewPlan without faces: %+v, %v", p.Faces, err)
	}
}

func TestNewPlanFacesOrientation(t *testing.T) {
	t.Parallel()
	// rotated is displayed 3000x4000: faces are in displayed pixels, so EXIF
	// orientation does not move them.
	f := easel.Face{Box: easel.Box{X: 1000, Y: 2000, W: 600, H: 800}, Mouth: easel.Point{X: 1300, Y: 2600}}
	p, err := newPlan(t, "w_300,e_whiten", rotated, transform.PlanConfig{Faces: []easel.Face{f}})
	if err != nil {
		t.Fatal(err)
	}
	want := []transform.FaceRegion{region(100, 200, 60, 80, pt(0, 0), pt(0, 0), pt(130, 260))}
	if !sameRegions(p.Faces, want) {
		t.Fatalf("Faces %+v, want %+v", p.Faces, want)
	}
}

func TestNewPlanFacesIgnoresBadFaces(t *testing.T) {
	t.Parallel()
	bad := []easel.Face{
		{Box: easel.Box{X: 10, Y: 10, W: 0, H: 10}},
		{Box: easel.Box{X: 10, Y: 10, W: 10, H: -1}},
		{Box: easel.Box{X: math.NaN(), Y: 10, W: 10, H: 10}},
		{Box: easel.Box{X: 10, Y: 10, W: 10, H: 10}, Mouth: easel.Point{X: math.Inf(1)}},
		{Box: easel.Box{X: 5000, Y: 10, W: 10, H: 10}}, // outside the image
		{Box: easel.Box{X: -50, Y: 700, W: 100, H: 200}},
	}
	p, err := newPlan(t, "e_redeye,w_400,h_400,c_fill,g_face", landscape, transform.PlanConfig{Faces: bad})
	if err != nil {
		t.Fatal(err)
	}
	// Only the last is kept, clipped to the source: x 0..50, y 700..800,
	// then ×0.5 and extract (0, 0, 400, 400) centred on it.
	if len(p.Faces) != 1 || p.Faces[0].Box != (transform.Rect{X: 0, Y: 350, W: 25, H: 50}) || p.SmartCrop {
		t.Fatalf("Faces %+v smart %v", p.Faces, p.SmartCrop)
	}
}

func TestNewPlanFaceGravity(t *testing.T) {
	t.Parallel()
	small := easel.Face{Box: easel.Box{X: 50, Y: 50, W: 100, H: 100}}
	big := easel.Face{Box: easel.Box{X: 800, Y: 300, W: 300, H: 300}}
	two := []easel.Face{small, big}
	tests := []struct {
		name    string
		segment string
		faces   []easel.Face
		want    geometry
	}{
		// 600x400; the big face is x 400..550, centred at 475 → 275, kept inside → 200.
		{"fill face", "w_400,h_400,c_fill,g_face", two,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(200, 0, 400, 400), Width: 400, Height: 400}},
		// Both faces: x 25..550 (wider than 400), centred at 287.5 → 87.5 → 88.
		{"fill faces", "w_400,h_400,c_fill,g_faces", two,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(88, 0, 400, 400), Width: 400, Height: 400}},
		{"fill face order does not matter", "w_400,h_400,c_fill,g_face", []easel.Face{big, small},
			geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(200, 0, 400, 400), Width: 400, Height: 400}},
		// No scaling: the big face is x 800..1100, y 300..600.
		{"crop face", "w_400,h_300,c_crop,g_face", two,
			geometry{Extract: rect(750, 300, 400, 300), Width: 400, Height: 300}},
		{"crop face smaller than the face", "w_100,h_100,c_crop,g_face", two,
			geometry{Extract: rect(900, 400, 100, 100), Width: 100, Height: 100}},
		{"crop small face", "w_300,h_300,c_crop,g_face", []easel.Face{small},
			geometry{Extract: rect(0, 0, 300, 300), Width: 300, Height: 300}},
		{"fill face no faces is smart", "w_400,h_400,c_fill,g_face", nil,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(0, 0, 400, 400), SmartCrop: true, Width: 400, Height: 400}},
		{"crop faces no faces is smart", "w_400,h_300,c_crop,g_faces", nil,
			geometry{Extract: rect(0, 0, 400, 300), SmartCrop: true, Width: 400, Height: 300}},
		{"faces outside the crop box is smart", "cr_0:400:1200:400,w_200,h_200,c_fill,g_face", []easel.Face{small},
			geometry{ResizeWidth: 600, ResizeHeight: 200, Extract: rect(0, 0, 200, 200), SmartCrop: true, Width: 200, Height: 200}},
		{"smart stays smart without face effects", "w_400,h_400,c_fill,g_smart", two,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(0, 0, 400, 400), SmartCrop: true, Width: 400, Height: 400}},
		{"smart with a face effect keeps the faces", "w_400,h_400,c_fill,g_smart,e_blur_faces", two,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(88, 0, 400, 400), Width: 400, Height: 400}},
		{"smart with a face effect and no faces", "w_400,h_400,c_fill,g_smart,e_blur_faces", nil,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(0, 0, 400, 400), SmartCrop: true, Width: 400, Height: 400}},
		{"pad face is centred", "w_600,h_600,c_pad,g_face", two,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Embed: rect(0, 100, 600, 600), Width: 600, Height: 600}},
		{"fit face has nothing to cut", "w_600,h_600,g_face", two,
			geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		// After a_90 the image is 800x1200 and the big face x 200..500, y 800..1100.
		{"crop face rotated", "a_90,w_300,h_400,c_crop,g_face", two,
			geometry{Extract: rect(200, 750, 300, 400), Width: 300, Height: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := newPlan(t, tt.segment, landscape, transform.PlanConfig{Faces: tt.faces})
			if err != nil {
				t.Fatalf("NewPlan(%q): %v", tt.segment, err)
			}
			got := geometry{p.ResizeWidth, p.ResizeHeight, p.Extract, p.SmartCrop, p.Embed, p.Width, p.Height}
			if !eqGeometry(got, tt.want) {
				t.Fatalf("NewPlan(%q)\n got %s\nwant %s", tt.segment, show(got), show(tt.want))
			}
		})
	}
}

func eqGeometry(a, b geometry) bool {
	eq := func(x, y *transform.Rect) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.ResizeWidth == b.ResizeWidth && a.ResizeHeight == b.ResizeHeight && eq(a.Extract, b.Extract) &&
		a.SmartCrop == b.SmartCrop && eq(a.Embed, b.Embed) && a.Width == b.Width && a.Height == b.Height
}

// TestNewPlanFaceCropContainsFace checks, for faces all over the image and
// crops of many sizes, that a g_face crop contains the whole face whenever
// it is at least as large as the face, and is otherwise centred on it.
func TestNewPlanFaceCropContainsFace(t *testing.T) {
	t.Parallel()
	sizes := []int{37, 100, 201, 333, 640}
	for _, fx := range []float64{0, 13.3, 400.5, 777, 1150} {
		for _, fy := range []float64{0, 99.9, 390, 700} {
			for _, fw := range []float64{1.5, 50, 123.4} {
				f := easel.Face{Box: easel.Box{X: fx, Y: fy, W: fw, H: fw * 1.3}}
				for _, mode := range []string{"c_crop", "c_fill"} {
					for _, w := range sizes {
						for _, h := range sizes {
							segment := fmt.Sprintf("w_%d,h_%d,%s,g_face,e_redeye", w, h, mode)
							p, err := newPlan(t, segment, landscape, transform.PlanConfig{Faces: []easel.Face{f}})
							if err != nil {
								t.Fatal(err)
							}
							if p.SmartCrop || len(p.Faces) != 1 {
								t.Fatalf("%s with %+v: smart %v faces %+v", segment, f.Box, p.SmartCrop, p.Faces)
							}
							checkContains(t, segment, f, p)
						}
					}
				}
			}
		}
	}
}

// checkContains checks that the face of plan p (planned with the single
// face f on landscape) is whole in the output when the output is large
// enough: its box is then the whole scaled face, not a clipped one.
func checkContains(t *testing.T, segment string, f easel.Face, p transform.Plan) {
	t.Helper()
	sx, sy := 1.0, 1.0
	if p.ResizeWidth > 0 {
		sx, sy = float64(p.ResizeWidth)/1200, float64(p.ResizeHeight)/800
	}
	b := f.Box
	x0, x1 := math.Floor(b.X*sx+1e-6), math.Ceil(math.Min(b.X+b.W, 1200)*sx-1e-6)
	y0, y1 := math.Floor(b.Y*sy+1e-6), math.Ceil(math.Min(b.Y+b.H, 800)*sy-1e-6)
	got := p.Faces[0].Box
	if int(x1-x0) <= p.Width && got.W != int(x1-x0) {
		t.Fatalf("%s with %+v: face %+v cut across (%v..%v) in %dx%d", segment, b, got, x0, x1, p.Width, p.Height)
	}
	if int(y1-y0) <= p.Height && got.H != int(y1-y0) {
		t.Fatalf("%s with %+v: face %+v cut down (%v..%v) in %dx%d", segment, b, got, y0, y1, p.Width, p.Height)
	}
	if int(x1-x0) > p.Width && got.W != p.Width || int(y1-y0) > p.Height && got.H != p.Height {
		t.Fatalf("%s with %+v: face %+v larger than the output but does not fill it", segment, b, got)
	}
}
