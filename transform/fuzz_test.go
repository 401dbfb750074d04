package transform_test

import (
	"reflect"
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"-",
		"w_300",
		"w_300,h_200,c_fill,g_smart,q_80,f_webp",
		"h_400,c_limit,f_auto",
		"w_1200,dpr_1.5,c_fit,up_1",
		"w_64,h_64,c_crop,g_north_east",
		"w_500,h_500,c_pad,bg_ffffff80",
		"w_300,h_300,c_scale",
		"g_fp_0.3:0.7,c_fill,w_100,h_100",
		"g_centre,w_10",
		"cr_10:20:300:400,a_90,fl_h,fl_v",
		"pg_3,f_png",
		"pg_all,f_gif,w_200",
		"e_grayscale,e_blur:4",
		"e_bw:100,e_sharpen,e_brightness:-20,e_contrast:15",
		"e_saturation:50,e_hue:-180,e_tint:f80,e_sepia,e_invert,e_pixelate:8",
		"e_bw,e_sharpen:1.0",
		"l_01hq3v5k8m9n0p2r4s6t7v8w9x,lg_south_east,lo_60,lw_20",
		"txt_Hello%2C%20World,tc_ff0000,ts_48,lg_north",
		"txt_%E2%82%AC%20100,l_01hq3v5k8m9n0p2r4s6t7v8w9x",
		"t_avatar",
		"t_my_preset,w_50,f_jpg",
		"q_100,f_jxl",
		"up_0",
		"dpr_4,w_8192,h_8192",
		"w_0",
		"foo_1",
		"w_1,w_1",
		"txt_a,b",
		"e_blur",
		"g_fp_1:0",
		"bg_ABC",
		"w_300,h_300,c_fill,g_face,e_redeye,e_whiten",
		"w_200,h_100,c_crop,g_faces,e_whiten:80,e_blur_faces:2.5,e_pixelate_faces:16",
		"cr_10:20:300:400,a_270,fl_h,w_100,h_100,c_fill,g_smart,e_pixelate_faces",
		"w_600,h_600,c_pad,g_face,e_blur_faces",
		"e_whiten:50,e_blur_faces:15,e_pixelate_faces:12",
		"e_whiten:0",
		"g_facess",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, segment string) {
		o, err := transform.Parse(segment)
		if err != nil {
			return
		}
		s := o.String()
		again, err := transform.Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but Parse of its String %q: %v", segment, s, err)
		}
		if !reflect.DeepEqual(again, o) {
			t.Fatalf("Parse(%q) = %+v\nParse(%q) = %+v", segment, o, s, again)
		}
		if s2 := again.String(); s2 != s {
			t.Fatalf("String not stable for %q: %q then %q", segment, s, s2)
		}
		if o.Preset == "" {
			checkPlans(t, segment, o)
		}
	})
}

// checkPlans plans o for a few sources and checks that the plans hold
// together: never a panic, a 0 size or a cut outside the image.
func checkPlans(t *testing.T, segment string, o transform.Options) {
	for _, src := range []transform.Source{
		landscape, rotated, animation,
		{Format: transform.FormatPNG, Width: 1, Height: 1, HasAlpha: true},
		{Format: transform.FormatTIFF, Width: 3, Height: 9000, Orientation: 8},
	} {
		checkPlan(t, segment, o, src, transform.PlanConfig{})
		dw, dh := src.DisplayedSize()
		w, h := float64(dw), float64(dh)
		checkPlan(t, segment, o, src, transform.PlanConfig{Faces: []easel.Face{
			{Box: easel.Box{X: 0.6 * w, Y: 0.3 * h, W: 0.2 * w, H: 0.25 * h}, Mouth: easel.Point{X: 0.7 * w, Y: 0.5 * h}},
			{Box: easel.Box{X: -0.1 * w, Y: 0.9 * h, W: 0.3 * w, H: 0.3 * h}},
		}})
	}
}

// checkPlan plans o for src with cfg and checks the plan.
func checkPlan(t *testing.T, segment string, o transform.Options, src transform.Source, cfg transform.PlanConfig) {
	p, err := transform.NewPlan(o, src, cfg)
	if err != nil || p.Original {
		return
	}
	rw, rh := p.ResizeWidth, p.ResizeHeight
	switch {
	case p.Width < 1 || p.Height < 1:
		t.Fatalf("%q on %+v: output %dx%d", segment, src, p.Width, p.Height)
	case (rw == 0) != (rh == 0) || rw < 0 || rh < 0:
		t.Fatalf("%q on %+v: resize %dx%d", segment, src, rw, rh)
	case p.Format == transform.FormatAuto || !p.Format.IsOutput() || p.Quality < 1 || p.Quality > 100:
		t.Fatalf("%q on %+v: format %q quality %d", segment, src, p.Format, p.Quality)
	}
	if e := p.Extract; e != nil {
		if e.X < 0 || e.Y < 0 || e.W < 1 || e.H < 1 || rw > 0 && (e.X+e.W > rw || e.Y+e.H > rh) ||
			e.W != p.Width || e.H != p.Height {
			t.Fatalf("%q on %+v: extract %+v from %dx%d", segment, src, *e, rw, rh)
		}
	}
	if e := p.Embed; e != nil {
		if e.X < 0 || e.Y < 0 || e.W != p.Width || e.H != p.Height || rw > 0 && (e.X+rw > e.W || e.Y+rh > e.H) {
			t.Fatalf("%q on %+v: embed %+v of %dx%d", segment, src, *e, rw, rh)
		}
	}
	if len(p.Faces) > 0 && (!o.Effects.NeedsFaces() || len(cfg.Faces) == 0) {
		t.Fatalf("%q on %+v: faces %+v", segment, src, p.Faces)
	}
	for _, f := range p.Faces {
		if b := f.Box; b.X < 0 || b.Y < 0 || b.W < 1 || b.H < 1 || b.X+b.W > p.Width || b.Y+b.H > p.Height {
			t.Fatalf("%q on %+v: face %+v in %dx%d", segment, src, b, p.Width, p.Height)
		}
	}
	if p.SmartCrop && len(cfg.Faces) > 0 && o.CropBox == nil && (o.Effects.NeedsFaces() || o.Gravity.Type == transform.GravityFace) {
		t.Fatalf("%q on %+v: smart crop although the faces are known", segment, src)
	}
}
