package transform_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

var (
	landscape = transform.Source{Format: transform.FormatJPEG, Width: 1200, Height: 800, Pages: 1}
	portrait  = transform.Source{Format: transform.FormatJPEG, Width: 800, Height: 1200, Pages: 1}
	// rotated is stored 4000x3000 with EXIF orientation 6: displayed 3000x4000.
	rotated   = transform.Source{Format: transform.FormatJPEG, Width: 4000, Height: 3000, Orientation: 6, Pages: 1}
	animation = transform.Source{Format: transform.FormatGIF, Width: 400, Height: 300, Pages: 10}
)

// geometry is the part of a Plan that sizing decides.
type geometry struct {
	ResizeWidth, ResizeHeight int
	Extract                   *transform.Rect
	SmartCrop                 bool
	Embed                     *transform.Rect
	Width, Height             int
}

func rect(x, y, w, h int) *transform.Rect { return &transform.Rect{X: x, Y: y, W: w, H: h} }

// newPlan parses segment and plans it.
func newPlan(t *testing.T, segment string, src transform.Source, cfg transform.PlanConfig) (transform.Plan, error) {
	t.Helper()
	o, err := transform.Parse(segment)
	if err != nil {
		t.Fatalf("Parse(%q): %v", segment, err)
	}
	return transform.NewPlan(o, src, cfg)
}

func TestNewPlanGeometry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		segment string
		src     transform.Source
		want    geometry
	}{
		{"no size", "f_png", landscape, geometry{Width: 1200, Height: 800}},
		{"fit width", "w_600", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"fit height", "h_400", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"fit box landscape", "w_600,h_600", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"fit box portrait", "w_400,h_400,c_fit", portrait, geometry{ResizeWidth: 267, ResizeHeight: 400, Width: 267, Height: 400}},
		{"fit same size", "w_1200", landscape, geometry{Width: 1200, Height: 800}},
		{"fit never enlarges", "w_2400", landscape, geometry{Width: 1200, Height: 800}},
		{"fit enlarges with up", "w_2400,up_1", landscape, geometry{ResizeWidth: 2400, ResizeHeight: 1600, Width: 2400, Height: 1600}},
		{"fit tiny never 0", "w_1", landscape, geometry{ResizeWidth: 1, ResizeHeight: 1, Width: 1, Height: 1}},
		{"limit shrinks", "w_600,c_limit", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"limit ignores up", "w_2400,c_limit,up_1", landscape, geometry{Width: 1200, Height: 800}},

		{"fill landscape", "w_400,h_400,c_fill", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(100, 0, 400, 400), Width: 400, Height: 400}},
		{"fill portrait", "w_400,h_400,c_fill", portrait, geometry{ResizeWidth: 400, ResizeHeight: 600, Extract: rect(0, 100, 400, 400), Width: 400, Height: 400}},
		{"fill west", "w_400,h_400,c_fill,g_west", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(0, 0, 400, 400), Width: 400, Height: 400}},
		{"fill south east", "w_400,h_400,c_fill,g_south_east", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(200, 0, 400, 400), Width: 400, Height: 400}},
		{"fill north portrait", "w_400,h_400,c_fill,g_north", portrait, geometry{ResizeWidth: 400, ResizeHeight: 600, Extract: rect(0, 0, 400, 400), Width: 400, Height: 400}},
		{"fill smart", "w_400,h_400,c_fill,g_smart", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(0, 0, 400, 400), SmartCrop: true, Width: 400, Height: 400}},
		{"fill focal point", "w_400,h_400,c_fill,g_fp_0.4:0.5", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(40, 0, 400, 400), Width: 400, Height: 400}},
		{"fill focal point clamped", "w_400,h_400,c_fill,g_fp_0.95:0", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Extract: rect(200, 0, 400, 400), Width: 400, Height: 400}},
		{"fill same aspect", "w_600,h_400,c_fill,g_smart", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"fill one side is fit", "w_600,c_fill", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"fill larger box without up", "w_1000,h_1000,c_fill", landscape, geometry{Extract: rect(100, 0, 1000, 800), Width: 1000, Height: 800}},
		{"fill much larger box without up", "w_2000,h_1000,c_fill", landscape, geometry{Width: 1200, Height: 800}},
		{"fill larger box with up", "w_1000,h_1000,c_fill,up_1", landscape, geometry{ResizeWidth: 1500, ResizeHeight: 1000, Extract: rect(250, 0, 1000, 1000), Width: 1000, Height: 1000}},

		{"crop center", "w_400,h_300,c_crop", landscape, geometry{Extract: rect(400, 250, 400, 300), Width: 400, Height: 300}},
		{"crop south east", "w_400,h_300,c_crop,g_south_east", landscape, geometry{Extract: rect(800, 500, 400, 300), Width: 400, Height: 300}},
		{"crop width only", "w_400,c_crop", landscape, geometry{Extract: rect(400, 0, 400, 800), Width: 400, Height: 800}},
		{"crop height only portrait", "h_400,c_crop", portrait, geometry{Extract: rect(0, 400, 800, 400), Width: 800, Height: 400}},
		{"crop larger than image", "w_2000,h_300,c_crop", landscape, geometry{Extract: rect(0, 250, 1200, 300), Width: 1200, Height: 300}},
		{"crop smart", "w_400,h_300,c_crop,g_smart", landscape, geometry{Extract: rect(0, 0, 400, 300), SmartCrop: true, Width: 400, Height: 300}},
		{"crop focal point", "w_400,h_400,c_crop,g_fp_0:1", portrait, geometry{Extract: rect(0, 800, 400, 400), Width: 400, Height: 400}},

		{"pad landscape", "w_600,h_600,c_pad", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Embed: rect(0, 100, 600, 600), Width: 600, Height: 600}},
		{"pad portrait", "w_600,h_600,c_pad", portrait, geometry{ResizeWidth: 400, ResizeHeight: 600, Embed: rect(100, 0, 600, 600), Width: 600, Height: 600}},
		{"pad north", "w_600,h_600,c_pad,g_north", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Embed: rect(0, 0, 600, 600), Width: 600, Height: 600}},
		{"pad south east", "w_600,h_600,c_pad,g_south_east", portrait, geometry{ResizeWidth: 400, ResizeHeight: 600, Embed: rect(200, 0, 600, 600), Width: 600, Height: 600}},
		{"pad smart is centred", "w_600,h_600,c_pad,g_smart", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Embed: rect(0, 100, 600, 600), Width: 600, Height: 600}},
		{"pad larger box without up", "w_2000,h_1000,c_pad", landscape, geometry{Embed: rect(400, 100, 2000, 1000), Width: 2000, Height: 1000}},
		{"pad larger box with up", "w_2000,h_1000,c_pad,up_1", landscape, geometry{ResizeWidth: 1500, ResizeHeight: 1000, Embed: rect(250, 0, 2000, 1000), Width: 2000, Height: 1000}},
		{"pad same aspect", "w_600,h_400,c_pad", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"pad one side is fit", "h_400,c_pad", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},

		{"scale", "w_600,h_600,c_scale", landscape, geometry{ResizeWidth: 600, ResizeHeight: 600, Width: 600, Height: 600}},
		{"scale clamped per side", "w_2000,h_600,c_scale", landscape, geometry{ResizeWidth: 1200, ResizeHeight: 600, Width: 1200, Height: 600}},
		{"scale with up", "w_2000,h_600,c_scale,up_1", landscape, geometry{ResizeWidth: 2000, ResizeHeight: 600, Width: 2000, Height: 600}},
		{"scale one side is fit", "w_600,c_scale", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},

		{"dpr", "w_300,dpr_2", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"dpr decimal fill", "w_300,h_300,c_fill,dpr_1.5", landscape, geometry{ResizeWidth: 675, ResizeHeight: 450, Extract: rect(112, 0, 450, 450), Width: 450, Height: 450}},
		{"dpr does not enlarge", "w_1000,dpr_2", landscape, geometry{Width: 1200, Height: 800}},

		{"rotate 90", "w_400,a_90", landscape, geometry{ResizeWidth: 400, ResizeHeight: 600, Width: 400, Height: 600}},
		{"rotate 180", "w_600,a_180", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"rotate 270 fill", "w_400,h_400,c_fill,a_270", landscape, geometry{ResizeWidth: 400, ResizeHeight: 600, Extract: rect(0, 100, 400, 400), Width: 400, Height: 400}},
		{"orientation 6", "w_300", rotated, geometry{ResizeWidth: 300, ResizeHeight: 400, Width: 300, Height: 400}},
		{"orientation 6 no size", "f_webp", rotated, geometry{Width: 3000, Height: 4000}},
		{"orientation 6 rotate 90", "h_300,a_90", rotated, geometry{ResizeWidth: 400, ResizeHeight: 300, Width: 400, Height: 300}},

		{"crop box", "cr_100:100:400:200", landscape, geometry{Width: 400, Height: 200}},
		{"crop box then fit", "cr_100:100:400:200,w_200", landscape, geometry{ResizeWidth: 200, ResizeHeight: 100, Width: 200, Height: 100}},
		{"crop box whole image", "cr_0:0:1200:800,w_600", landscape, geometry{ResizeWidth: 600, ResizeHeight: 400, Width: 600, Height: 400}},
		{"crop box then rotate", "cr_0:0:400:200,a_90,w_100", landscape, geometry{ResizeWidth: 100, ResizeHeight: 200, Width: 100, Height: 200}},
		{"crop box displayed orientation", "cr_0:0:3000:1000,w_300", rotated, geometry{ResizeWidth: 300, ResizeHeight: 100, Width: 300, Height: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := newPlan(t, tt.segment, tt.src, transform.PlanConfig{})
			if err != nil {
				t.Fatalf("NewPlan(%q): %v", tt.segment, err)
			}
			got := geometry{p.ResizeWidth, p.ResizeHeight, p.Extract, p.SmartCrop, p.Embed, p.Width, p.Height}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("NewPlan(%q)\n got %s\nwant %s", tt.segment, show(got), show(tt.want))
			}
		})
	}
}

func show(g geometry) string {
	r := func(r *transform.Rect) string {
		if r == nil {
			return "nil"
		}
		return fmt.Sprintf("%+v", *r)
	}
	return fmt.Sprintf("resize %dx%d, extract %s smart %v, embed %s, output %dx%d",
		g.ResizeWidth, g.ResizeHeight, r(g.Extract), g.SmartCrop, r(g.Embed), g.Width, g.Height)
}

func TestNewPlanFormat(t *testing.T) {
	t.Parallel()
	src := func(f transform.Format, alpha bool) transform.Source {
		return transform.Source{Format: f, Width: 100, Height: 100, Pages: 1, HasAlpha: alpha}
	}
	avifAccept := "image/avif,image/webp,*/*"
	tests := []struct {
		name    string
		segment string
		src     transform.Source
		cfg     transform.PlanConfig
		format  transform.Format
		quality int
	}{
		{"jpeg keeps jpeg", "w_10", src(transform.FormatJPEG, false), transform.PlanConfig{}, transform.FormatJPEG, 80},
		{"png keeps png", "w_10", src(transform.FormatPNG, false), transform.PlanConfig{}, transform.FormatPNG, 100},
		{"png with alpha keeps png", "w_10", src(transform.FormatPNG, true), transform.PlanConfig{}, transform.FormatPNG, 100},
		{"webp keeps webp", "w_10", src(transform.FormatWebP, true), transform.PlanConfig{}, transform.FormatWebP, 80},
		{"avif keeps avif", "w_10", src(transform.FormatAVIF, false), transform.PlanConfig{}, transform.FormatAVIF, 55},
		{"jxl keeps jxl", "w_10", src(transform.FormatJXL, false), transform.PlanConfig{}, transform.FormatJXL, 75},
		{"gif keeps gif", "w_10", src(transform.FormatGIF, true), transform.PlanConfig{}, transform.FormatGIF, 100},
		{"tiff to jpeg", "w_10", src(transform.FormatTIFF, false), transform.PlanConfig{}, transform.FormatJPEG, 80},
		{"tiff with alpha to png", "w_10", src(transform.FormatTIFF, true), transform.PlanConfig{}, transform.FormatPNG, 100},
		{"heif to jpeg", "w_10", src(transform.FormatHEIF, false), transform.PlanConfig{}, transform.FormatJPEG, 80},
		{"bmp to jpeg", "w_10", src(transform.FormatBMP, false), transform.PlanConfig{}, transform.FormatJPEG, 80},
		{"svg with alpha to png", "w_10", src(transform.FormatSVG, true), transform.PlanConfig{}, transform.FormatPNG, 100},
		{"pdf to jpeg", "w_10", src(transform.FormatPDF, false), transform.PlanConfig{}, transform.FormatJPEG, 80},
		{"explicit format", "f_webp", src(transform.FormatTIFF, true), transform.PlanConfig{}, transform.FormatWebP, 80},
		{"explicit quality", "f_jpg,q_95", src(transform.FormatPNG, false), transform.PlanConfig{}, transform.FormatJPEG, 95},
		{"auto avif", "f_auto", src(transform.FormatJPEG, false), transform.PlanConfig{Accept: avifAccept}, transform.FormatAVIF, 55},
		{"auto webp", "f_auto", src(transform.FormatJPEG, false), transform.PlanConfig{Accept: "image/avif;q=0,image/webp"}, transform.FormatWebP, 80},
		{"auto without accept", "f_auto", src(transform.FormatPNG, true), transform.PlanConfig{}, transform.FormatJPEG, 80},
		{"configured quality", "f_auto", src(transform.FormatJPEG, false),
			transform.PlanConfig{Accept: avifAccept, Quality: map[transform.Format]int{transform.FormatAVIF: 40}}, transform.FormatAVIF, 40},
		{"configured quality out of range ignored", "w_10", src(transform.FormatJPEG, false),
			transform.PlanConfig{Quality: map[transform.Format]int{transform.FormatJPEG: 101}}, transform.FormatJPEG, 80},
		{"q beats configured quality", "q_20", src(transform.FormatJPEG, false),
			transform.PlanConfig{Quality: map[transform.Format]int{transform.FormatJPEG: 90}}, transform.FormatJPEG, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := newPlan(t, tt.segment, tt.src, tt.cfg)
			if err != nil {
				t.Fatalf("NewPlan(%q): %v", tt.segment, err)
			}
			if p.Format != tt.format || p.Quality != tt.quality {
				t.Fatalf("NewPlan(%q) format %q quality %d, want %q %d", tt.segment, p.Format, p.Quality, tt.format, tt.quality)
			}
		})
	}
}

func TestNewPlanPages(t *testing.T) {
	t.Parallel()
	pdf := transform.Source{Format: transform.FormatPDF, Width: 600, Height: 800, Pages: 3}
	single := transform.Source{Format: transform.FormatGIF, Width: 10, Height: 10, Pages: 1}
	unknown := transform.Source{Format: transform.FormatPNG, Width: 10, Height: 10} // Pages 0: one
	tests := []struct {
		name    string
		segment string
		src     transform.Source
		page    int
		pages   int
	}{
		{"first frame by default", "w_100", animation, 0, 1},
		{"all frames of a gif", "pg_all", animation, 0, -1},
		{"all frames to webp", "pg_all,f_webp", animation, 0, -1},
		{"all frames to avif is one", "pg_all,f_avif", animation, 0, 1},
		{"all frames to jpeg is one", "pg_all,f_jpeg", animation, 0, 1},
		{"all frames of a still", "pg_all", single, 0, 1},
		{"frame", "pg_9", animation, 9, 1},
		{"pdf page", "pg_2", pdf, 2, 1},
		{"pages unknown", "pg_0,w_1", unknown, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := newPlan(t, tt.segment, tt.src, transform.PlanConfig{})
			if err != nil {
				t.Fatalf("NewPlan(%q): %v", tt.segment, err)
			}
			if p.Page != tt.page || p.Pages != tt.pages {
				t.Fatalf("NewPlan(%q) page %d pages %d, want %d %d", tt.segment, p.Page, p.Pages, tt.page, tt.pages)
			}
		})
	}
}

func TestNewPlanErrors(t *testing.T) {
	t.Parallel()
	thin := transform.Source{Format: transform.FormatPNG, Width: 10, Height: 1000, Pages: 1}
	tests := []struct {
		name    string
		o       transform.Options
		src     transform.Source
		cfg     transform.PlanConfig
		code    easel.Code
		message string // start of the message
	}{
		{"page past the last", transform.Options{Page: 10}, animation, transform.PlanConfig{}, easel.CodeInvalidArgument, "pg_10: the image has 10 page(s)"},
		{"page of a still", transform.Options{Page: 1}, landscape, transform.PlanConfig{}, easel.CodeInvalidArgument, "pg_1: the image has 1 page(s)"},
		{"crop box outside", transform.Options{CropBox: rect(1000, 0, 400, 200)}, landscape, transform.PlanConfig{}, easel.CodeInvalidArgument, "cr_1000:0:400:200: crop box must lie within the 1200x800 image"},
		{"crop box in stored orientation", transform.Options{CropBox: rect(0, 0, 4000, 3000)}, rotated, transform.PlanConfig{}, easel.CodeInvalidArgument, "cr_0:0:4000:3000: crop box must lie within the 3000x4000 image"},
		{"output too large", transform.Options{Width: 8192, Height: 8192, Crop: transform.CropScale, Upscale: true}, landscape, transform.PlanConfig{}, easel.CodeTooLarge, "the output would be 8192x8192 pixels"},
		{"output too large with dpr", transform.Options{Width: 4000, Height: 4000, DPR: 2, Crop: transform.CropPad}, landscape, transform.PlanConfig{}, easel.CodeTooLarge, "the output would be 8000x8000 pixels"},
		{"configured limit", transform.Options{Width: 100}, landscape, transform.PlanConfig{MaxOutputPixels: 1000}, easel.CodeTooLarge, "the output would be 100x67 pixels, more than the limit of 1000"},
		{"enlarged intermediate", transform.Options{Width: 4096, Height: 4096, Crop: transform.CropFill, Upscale: true}, thin, transform.PlanConfig{}, easel.CodeTooLarge, "the image would be enlarged to 4096x409600"},
		{"preset not expanded", transform.Options{Preset: "thumb"}, landscape, transform.PlanConfig{}, easel.CodeInternal, "transform: preset t_thumb not expanded"},
		{"no size", transform.Options{}, transform.Source{Format: transform.FormatSVG}, transform.PlanConfig{}, easel.CodeUnsupportedMedia, "the image has no size"},
		{"width out of range", transform.Options{Width: 9000}, landscape, transform.PlanConfig{}, easel.CodeInvalidArgument, "w_9000: width must be"},
		{"dpr out of range", transform.Options{DPR: 0.5}, landscape, transform.PlanConfig{}, easel.CodeInvalidArgument, "dpr_0.5: dpr must be"},
		{"rotate out of range", transform.Options{Rotate: 45}, landscape, transform.PlanConfig{}, easel.CodeInvalidArgument, "a_45: rotation must be"},
		{"input-only format", transform.Options{Format: transform.FormatTIFF}, landscape, transform.PlanConfig{}, easel.CodeInvalidArgument, "f_tiff: format must be"},
		{"unknown crop mode", transform.Options{Crop: "stretch"}, landscape, transform.PlanConfig{}, easel.CodeInvalidArgument, "c_stretch: crop mode must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := transform.NewPlan(tt.o, tt.src, tt.cfg)
			if err == nil {
				t.Fatalf("NewPlan = %+v, want an error", p)
			}
			if code, msg := easel.ErrorCode(err), easel.ErrorMessage(err); code != tt.code || !strings.HasPrefix(msg, tt.message) {
				t.Fatalf("NewPlan error %s %q, want %s %q...", code, msg, tt.code, tt.message)
			}
		})
	}
}

func TestNewPlanOriginal(t *testing.T) {
	t.Parallel()
	p, err := newPlan(t, "-", landscape, transform.PlanConfig{})
	if err != nil || !reflect.DeepEqual(p, transform.Plan{Original: true}) {
		t.Fatalf("NewPlan(-) = %+v, %v", p, err)
	}
}

func TestNewPlanDefaults(t *testing.T) {
	t.Parallel()
	white := transform.Color{R: 255, G: 255, B: 255, A: 255}
	p, err := newPlan(t, "l_"+testID+",txt_hi,fl_h,a_180,e_tint:f00,e_bw", landscape, transform.PlanConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := transform.Plan{
		Pages: 1, Rotate: 180, FlipH: true, Background: white,
		Effects: transform.Effects{BW: true, BWThreshold: 128, Tint: color(255, 0, 0, 255)},
		Overlay: &transform.Overlay{AssetID: testID, Gravity: transform.Gravity{Type: transform.GravitySouthEast}, Opacity: 100},
		Text:    &transform.Text{Text: "hi", Color: white, Size: 32, Gravity: transform.Gravity{Type: transform.GravitySouthEast}},
		Format:  transform.FormatJPEG, Quality: 80, Width: 1200, Height: 800,
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("NewPlan\n got %+v\nwant %+v", p, want)
	}

	p, err = newPlan(t, "bg_000,l_"+testID+",lg_north,lo_30,lw_10,txt_hi,tc_00f,ts_12", landscape, transform.PlanConfig{})
	if err != nil {
		t.Fatal(err)
	}
	north := transform.Gravity{Type: transform.GravityNorth}
	if p.Background != (transform.Color{A: 255}) ||
		*p.Overlay != (transform.Overlay{AssetID: testID, Gravity: north, Opacity: 30, WidthPct: 10}) ||
		*p.Text != (transform.Text{Text: "hi", Color: transform.Color{B: 255, A: 255}, Size: 12, Gravity: north}) {
		t.Fatalf("NewPlan kept %+v %+v %+v", p.Background, *p.Overlay, *p.Text)
	}
}

func TestNewPlanDoesNotAlias(t *testing.T) {
	t.Parallel()
	o, err := transform.Parse("cr_0:0:10:10,e_tint:fff,l_" + testID + ",txt_a")
	if err != nil {
		t.Fatal(err)
	}
	p, err := transform.NewPlan(o, landscape, transform.PlanConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if p.CropBox == o.CropBox || p.Effects.Tint == o.Effects.Tint || p.Overlay == o.Overlay || p.Text == o.Text {
		t.Fatal("the plan shares pointers with the options")
	}
}
