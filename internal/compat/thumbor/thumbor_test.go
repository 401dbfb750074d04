package thumbor_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/compat/thumbor"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/transform"
)

// Signature vectors: "Library Tests - Scenarios" of
// https://thumbor.readthedocs.io/en/latest/libraries.html (security key
// "my-security-key").
func TestSign(t *testing.T) {
	t.Parallel()
	const key = "my-security-key"
	tests := []struct {
		name, path, want string
	}{
		{"scenario 1: size", "300x200/my.server.com/some/path/to/image.jpg", "8ammJH8D-7tXy6kU3lTvoXlhu4o="},
		{"scenario 3: meta", "meta/my.server.com/some/path/to/image.jpg", "Ps3ORJDqxlSQ8y00T29GdNAh2CY="},
		{"scenario 4: smart", "smart/my.server.com/some/path/to/image.jpg", "-2NHpejRK2CyPAm61FigfQgJBxw="},
		{"scenario 5: fit-in", "fit-in/my.server.com/some/path/to/image.jpg", "uvLnA6TJlF-Cc-L8z9pEtfasO3s="},
		{"scenario 6: filters", "filters:brightness(10):contrast(20)/my.server.com/some/path/to/image.jpg", "ZZtPCw-BLYN1g42Kh8xTcRs0Qls="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, thumbor.Sign(key, tt.path))
			req, err := thumbor.Parse(thumbor.Config{SecurityKey: key}, "/"+tt.want+"/"+tt.path)
			require.NoError(t, err)
			require.Equal(t, "my.server.com/some/path/to/image.jpg", req.Image)
		})
	}
}

func TestParseSignature(t *testing.T) {
	t.Parallel()
	const key = "my-security-key"
	good := "/8ammJH8D-7tXy6kU3lTvoXlhu4o=/300x200/my.server.com/some/path/to/image.jpg"
	tests := []struct {
		name     string
		cfg      thumbor.Config
		path     string
		wantCode easel.Code
	}{
		{name: "signed", cfg: thumbor.Config{SecurityKey: key}, path: good},
		{name: "escaped padding", cfg: thumbor.Config{SecurityKey: key}, path: "/8ammJH8D-7tXy6kU3lTvoXlhu4o%3D/300x200/my.server.com/some/path/to/image.jpg"},
		{name: "tampered size", cfg: thumbor.Config{SecurityKey: key}, path: "/8ammJH8D-7tXy6kU3lTvoXlhu4o=/300x201/my.server.com/some/path/to/image.jpg", wantCode: easel.CodePermissionDenied},
		{name: "other key", cfg: thumbor.Config{SecurityKey: "other"}, path: good, wantCode: easel.CodePermissionDenied},
		{name: "signed over the decoded path", cfg: thumbor.Config{SecurityKey: key}, path: "/" + thumbor.Sign(key, "300x200/a b.jpg") + "/300x200/a%20b.jpg"},
		{name: "signed over the path as sent", cfg: thumbor.Config{SecurityKey: key}, path: "/" + thumbor.Sign(key, "300x200/a%20b.jpg") + "/300x200/a%20b.jpg"},
		{name: "no key configured", cfg: thumbor.Config{}, path: good, wantCode: easel.CodePermissionDenied},
		{name: "unsafe refused", cfg: thumbor.Config{SecurityKey: key}, path: "/unsafe/300x200/a.jpg", wantCode: easel.CodePermissionDenied},
		{name: "unsafe allowed", cfg: thumbor.Config{AllowUnsafe: true}, path: "/unsafe/300x200/a.jpg"},
		{name: "no image", cfg: thumbor.Config{AllowUnsafe: true}, path: "/unsafe/", wantCode: easel.CodeInvalidArgument},
		{name: "nothing", cfg: thumbor.Config{AllowUnsafe: true}, path: "/unsafe", wantCode: easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := thumbor.Parse(tt.cfg, tt.path)
			if tt.wantCode == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%v", err)
		})
	}
}

func rect(x, y, w, h int) *transform.Rect { return &transform.Rect{X: x, Y: y, W: w, H: h} }

func grav(t transform.GravityType) transform.Gravity { return transform.Gravity{Type: t} }

// URL grammar and examples of https://thumbor.readthedocs.io/en/latest/usage.html
// ("Image Endpoint", "Image Size", "Horizontal Align", "Vertical Align",
// "Fit in", "Manual Crop", "Metadata Endpoint").
func TestParseUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		path      string
		want      transform.Options
		wantMeta  bool
		wantImage string
	}{
		{name: "size and smart (README example)", path: "300x200/smart/s.glbimg.com/et/bb/f/original/2011/03/24/VN0JiwzmOw0b0lg.jpg",
			want:      transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravitySmart)},
			wantImage: "s.glbimg.com/et/bb/f/original/2011/03/24/VN0JiwzmOw0b0lg.jpg"},
		{name: "no options", path: "path/to/image.jpg", want: transform.Options{}, wantImage: "path/to/image.jpg"},
		{name: "width only", path: "300x/a.jpg", want: transform.Options{Width: 300, Crop: transform.CropFit, Upscale: true}, wantImage: "a.jpg"},
		{name: "width and zero height", path: "300x0/a.jpg", want: transform.Options{Width: 300, Crop: transform.CropFit, Upscale: true}, wantImage: "a.jpg"},
		{name: "height only", path: "x200/a.jpg", want: transform.Options{Height: 200, Crop: transform.CropFit, Upscale: true}, wantImage: "a.jpg"},
		{name: "0x0 keeps the size", path: "0x0/a.jpg", want: transform.Options{}, wantImage: "a.jpg"},
		{name: "left top", path: "300x200/left/top/a.jpg",
			want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravityNorthWest)}, wantImage: "a.jpg"},
		{name: "right", path: "300x200/right/a.jpg",
			want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravityEast)}, wantImage: "a.jpg"},
		{name: "center middle is the default", path: "300x200/center/middle/a.jpg",
			want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Upscale: true}, wantImage: "a.jpg"},
		{name: "bottom", path: "300x200/bottom/a.jpg",
			want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravitySouth)}, wantImage: "a.jpg"},
		{name: "flips: the kept side follows the flip (metadata example)", path: "meta/-300x-200/left/top/smart/path/to/my/nice/image.jpg",
			want:     transform.Options{Width: 300, Height: 200, FlipH: true, FlipV: true, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravitySmart)},
			wantMeta: true, wantImage: "path/to/my/nice/image.jpg"},
		{name: "flip with left", path: "-300x200/left/a.jpg",
			want: transform.Options{Width: 300, Height: 200, FlipH: true, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravityEast)}, wantImage: "a.jpg"},
		{name: "flip without size", path: "-x-/a.jpg", want: transform.Options{FlipH: true, FlipV: true}, wantImage: "a.jpg"},
		{name: "fit-in", path: "fit-in/300x200/a.jpg", want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFit}, wantImage: "a.jpg"},
		{name: "manual crop", path: "10x20:310x220/a.jpg", want: transform.Options{CropBox: rect(10, 20, 300, 200)}, wantImage: "a.jpg"},
		{name: "empty manual crop is ignored", path: "10x20:10x220/a.jpg", want: transform.Options{}, wantImage: "a.jpg"},
		{name: "full URL image", path: "300x200/http://img.example.com/a.jpg",
			want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Upscale: true}, wantImage: "http://img.example.com/a.jpg"},
		{name: "meta alone", path: "meta/a.jpg", want: transform.Options{}, wantMeta: true, wantImage: "a.jpg"},
		{name: "image named like an option", path: "smart", want: transform.Options{}, wantImage: "smart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := thumbor.Parse(thumbor.Config{AllowUnsafe: true}, "/unsafe/"+tt.path)
			require.NoError(t, err)
			require.Equal(t, tt.want, req.Options)
			require.Equal(t, tt.wantMeta, req.Meta)
			require.Equal(t, tt.wantImage, req.Image)
		})
	}
}

// Filters as documented on https://thumbor.readthedocs.io/en/latest/filters.html
// and its pages (format, quality, grayscale, blur, brightness, contrast,
// filling, sharpen, strip_exif, strip_icc, no_upscale, rotate, red_eye).
func TestParseFilters(t *testing.T) {
	t.Parallel()
	const img = "/https%3A%2F%2Fgithub.com%2Fthumbor%2Fthumbor%2Fraw%2Fmaster%2Fexample.jpg"
	blue := &transform.Color{B: 255, A: 255}
	tests := []struct {
		name string
		path string
		want transform.Options
	}{
		{"format", "filters:format(webp)", transform.Options{Format: transform.FormatWebP}},
		{"format jpeg", "filters:format(jpeg)", transform.Options{Format: transform.FormatJPEG}},
		{"quality", "filters:quality(40)", transform.Options{Quality: 40}},
		{"grayscale", "filters:grayscale()", transform.Options{Effects: transform.Effects{Grayscale: true}}},
		{"blur radius", "filters:blur(7)", transform.Options{Effects: transform.Effects{Blur: 7}}},
		{"blur radius and sigma", "filters:blur(7,2.5)", transform.Options{Effects: transform.Effects{Blur: 2.5}}},
		{"blur 0 is off", "filters:blur(0)", transform.Options{}},
		{"brightness", "filters:brightness(40)", transform.Options{Effects: transform.Effects{Brightness: 40}}},
		{"contrast", "filters:contrast(-40)", transform.Options{Effects: transform.Effects{Contrast: -40}}},
		{"fill with fit-in pads", "fit-in/300x300/filters:fill(blue)", transform.Options{Width: 300, Height: 300, Crop: transform.CropPad, Background: blue}},
		{"fill hex", "fit-in/300x300/filters:fill(f00)", transform.Options{Width: 300, Height: 300, Crop: transform.CropPad, Background: &transform.Color{R: 255, A: 255}}},
		{"fill long hex", "fit-in/300x300/filters:fill(add8e6)", transform.Options{Width: 300, Height: 300, Crop: transform.CropPad, Background: &transform.Color{R: 0xad, G: 0xd8, B: 0xe6, A: 255}}},
		{"fill transparent", "fit-in/300x225/filters:fill(transparent)", transform.Options{Width: 300, Height: 225, Crop: transform.CropPad, Background: &transform.Color{}}},
		{"sharpen", "filters:sharpen(2,1.0,true)", transform.Options{Effects: transform.Effects{Sharpen: 1}}},
		{"strip filters are what easel always does", "filters:strip_exif():strip_icc()", transform.Options{}},
		{"no_upscale", "300x200/filters:no_upscale()", transform.Options{Width: 300, Height: 200, Crop: transform.CropFill}},
		{"rotate 90 is counter-clockwise", "filters:rotate(90)", transform.Options{Rotate: 270}},
		{"rotate 450 is 90", "filters:rotate(450)", transform.Options{Rotate: 270}},
		{"rotate 180", "filters:rotate(180)", transform.Options{Rotate: 180}},
		{"rotate 270", "filters:rotate(270)", transform.Options{Rotate: 90}},
		{"rotate turns the box, the flips and the gravity", "-300x200/left/filters:rotate(90)",
			transform.Options{Rotate: 270, Width: 200, Height: 300, FlipV: true, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravityNorth)}},
		{"rotate 270 turns the gravity the other way", "300x200/top/filters:rotate(270)",
			transform.Options{Rotate: 90, Width: 200, Height: 300, Crop: transform.CropFill, Upscale: true, Gravity: grav(transform.GravityEast)}},
		{"red_eye", "filters:red_eye()", transform.Options{Effects: transform.Effects{RedEye: true}}},
		{"several", "filters:quality(80):format(webp):grayscale()", transform.Options{Quality: 80, Format: transform.FormatWebP, Effects: transform.Effects{Grayscale: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := thumbor.Parse(thumbor.Config{AllowUnsafe: true}, "/unsafe/"+tt.path+img)
			require.NoError(t, err)
			require.Equal(t, tt.want, req.Options)
			require.Equal(t, img[1:], req.Image)
		})
	}
}

// TestParseRefused: what easel cannot do exactly is an error naming the item.
func TestParseRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, wantItem string
	}{
		{"trim", "trim/a.jpg", "trim"},
		{"trim with tolerance", "trim:top-left:10/a.jpg", "trim:top-left:10"},
		{"adaptive fit-in", "adaptive-fit-in/300x200/a.jpg", "adaptive-fit-in"},
		{"full fit-in", "full-fit-in/300x200/a.jpg", "full-fit-in"},
		{"orig", "300xorig/a.jpg", "300xorig"},
		{"too wide", "9000x10/a.jpg", "9000x10"},
		{"debug", "debug/a.jpg", "debug"},
		{"rgb", "filters:rgb(20,-20,40)/a.jpg", "rgb(20,-20,40)"},
		{"max_bytes", "filters:max_bytes(40000)/a.jpg", "max_bytes(40000)"},
		{"focal", "filters:focal(146x206:279x360)/a.jpg", "focal(146x206:279x360)"},
		{"round_corner", "filters:round_corner(20,255,255,255)/a.jpg", "round_corner(20,255,255,255)"},
		{"watermark", "filters:watermark(http://x.example/w.png,10,10,50)/a.jpg", "watermark("},
		{"fill auto", "fit-in/300x300/filters:fill(auto)/a.jpg", "fill(auto)"},
		{"fill blur", "fit-in/300x300/filters:fill(blur)/a.jpg", "fill(blur)"},
		{"fill transparent areas", "fit-in/300x300/filters:fill(blue,true)/a.jpg", "fill(blue,true)"},
		{"rotate 45", "filters:rotate(45)/a.jpg", "rotate(45)"},
		{"quality 0", "filters:quality(0)/a.jpg", "quality(0)"},
		{"quality 101", "filters:quality(101)/a.jpg", "quality(101)"},
		{"format heic", "filters:format(heic)/a.jpg", "format(heic)"},
		{"blur sigma too large", "filters:blur(150)/a.jpg", "blur(150)"},
		{"brightness out of range", "filters:brightness(101)/a.jpg", "brightness(101)"},
		{"unknown filter", "filters:sepia()/a.jpg", "sepia()"},
		{"same filter twice", "filters:blur(2):blur(3)/a.jpg", "blur(3)"},
		{"unterminated filters", "filters:blur(2/a.jpg", "filters:blur(2/a.jpg"},
		{"filter without parentheses", "filters:grayscale/a.jpg", "filters:grayscale/a.jpg"},
		{"grayscale with arguments", "filters:grayscale(1)/a.jpg", "grayscale(1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := thumbor.Parse(thumbor.Config{AllowUnsafe: true}, "/unsafe/"+tt.path)
			require.Error(t, err)
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
			require.Contains(t, easel.ErrorMessage(err), tt.wantItem)
		})
	}
}

// The source fetcher is what the endpoints match image URLs with.
var _ thumbor.Matcher = (*source.Fetcher)(nil)

// matcherFunc adapts a function to thumbor.Matcher.
type matcherFunc func(string) (string, string, error)

func (f matcherFunc) Match(_, u string) (string, string, error) { return f(u) }

func TestSource(t *testing.T) {
	t.Parallel()
	m := matcherFunc(func(u string) (string, string, error) {
		if u == "https://github.com/thumbor/thumbor/raw/master/example.jpg" {
			return "gh", "thumbor/thumbor/raw/master/example.jpg", nil
		}
		return "", "", easel.Errorf(easel.CodePermissionDenied, "inside no source")
	})
	tests := []struct {
		name, image, defaultSource string
		wantName, wantPath         string
		wantCode                   easel.Code
	}{
		{name: "encoded full URL", image: "https%3A%2F%2Fgithub.com%2Fthumbor%2Fthumbor%2Fraw%2Fmaster%2Fexample.jpg", wantName: "gh", wantPath: "thumbor/thumbor/raw/master/example.jpg"},
		{name: "plain full URL", image: "https://github.com/thumbor/thumbor/raw/master/example.jpg", wantName: "gh", wantPath: "thumbor/thumbor/raw/master/example.jpg"},
		{name: "full URL outside the sources", image: "http://169.254.169.254/latest", defaultSource: "shop", wantCode: easel.CodePermissionDenied},
		{name: "path below the source", image: "products/a%20b.jpg", defaultSource: "shop", wantName: "shop", wantPath: "products/a%20b.jpg"},
		{name: "path without a source", image: "products/a.jpg", wantCode: easel.CodeInvalidArgument},
		{name: "other scheme", image: "file:///etc/passwd", defaultSource: "shop", wantCode: easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, p, err := thumbor.Request{Image: tt.image}.Source("t", tt.defaultSource, m)
			if tt.wantCode != "" {
				require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantName, name)
			require.Equal(t, tt.wantPath, p)
		})
	}
}
