package imgproxy_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/compat/imgproxy"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/transform"
)

// The signing example of https://docs.imgproxy.net/usage/signing_url: key
// "secret" (736563726574), salt "hello" (68656C6C6F).
const (
	docKey  = "736563726574"
	docSalt = "68656C6C6F"
	docPath = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
	docSig  = "oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8"
)

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func TestSignDocExample(t *testing.T) {
	t.Parallel()
	sig, err := imgproxy.Sign(docKey, docSalt, docPath, 0)
	require.NoError(t, err)
	require.Equal(t, docSig, sig)
}

// TestSignTruncated: IMGPROXY_SIGNATURE_SIZE keeps the first bytes of the digest.
func TestSignTruncated(t *testing.T) {
	t.Parallel()
	full, err := base64.RawURLEncoding.DecodeString(docSig)
	require.NoError(t, err)
	for _, size := range []int{1, 8, 16, 31, 32} {
		sig, err := imgproxy.Sign(docKey, docSalt, docPath, size)
		require.NoError(t, err)
		got, err := base64.RawURLEncoding.DecodeString(sig)
		require.NoError(t, err)
		require.Equal(t, full[:size], got, "size %d", size)
	}
}

func TestParseSignature(t *testing.T) {
	t.Parallel()
	two := imgproxy.Config{Keys: []string{"6f746865722d6b6579", docKey}, Salts: []string{"6f74686572", docSalt}}
	short, err := imgproxy.Sign(docKey, docSalt, docPath, 8)
	require.NoError(t, err)
	tests := []struct {
		name     string
		cfg      imgproxy.Config
		path     string
		wantCode easel.Code
	}{
		{name: "doc example", cfg: imgproxy.Config{Keys: []string{docKey}, Salts: []string{docSalt}}, path: "/" + docSig + docPath},
		{name: "second of two pairs", cfg: two, path: "/" + docSig + docPath},
		{name: "truncated", cfg: imgproxy.Config{Keys: []string{docKey}, Salts: []string{docSalt}, SignatureSize: 8}, path: "/" + short + docPath},
		{name: "full signature where truncated expected", cfg: imgproxy.Config{Keys: []string{docKey}, Salts: []string{docSalt}, SignatureSize: 8}, path: "/" + docSig + docPath, wantCode: easel.CodePermissionDenied},
		{name: "tampered", cfg: two, path: "/" + docSig + "/rs:fill:300:401:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png", wantCode: easel.CodePermissionDenied},
		{name: "wrong salt", cfg: imgproxy.Config{Keys: []string{docKey}, Salts: []string{"00"}}, path: "/" + docSig + docPath, wantCode: easel.CodePermissionDenied},
		{name: "no keys", cfg: imgproxy.Config{}, path: "/" + docSig + docPath, wantCode: easel.CodePermissionDenied},
		{name: "insecure refused", cfg: two, path: "/insecure" + docPath, wantCode: easel.CodePermissionDenied},
		{name: "unsafe refused", cfg: two, path: "/unsafe" + docPath, wantCode: easel.CodePermissionDenied},
		{name: "insecure allowed", cfg: imgproxy.Config{AllowUnsafe: true}, path: "/insecure" + docPath},
		{name: "no source", cfg: imgproxy.Config{AllowUnsafe: true}, path: "/insecure/rs:fit:10:10", wantCode: easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, tt.cfg.Validate())
			_, err := imgproxy.Parse(tt.cfg, tt.path, now)
			if tt.wantCode == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%v", err)
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.Error(t, imgproxy.Config{Keys: []string{docKey}}.Validate())
	require.Error(t, imgproxy.Config{Keys: []string{"zz"}, Salts: []string{docSalt}}.Validate())
	require.Error(t, imgproxy.Config{Keys: []string{docKey}, Salts: []string{"x"}}.Validate())
	require.Error(t, imgproxy.Config{SignatureSize: 33}.Validate())
	require.NoError(t, imgproxy.Config{Keys: []string{docKey}, Salts: []string{docSalt}, SignatureSize: 8}.Validate())
}

func grav(t transform.GravityType) transform.Gravity { return transform.Gravity{Type: t} }

// URL formats and processing options of
// https://docs.imgproxy.net/usage/processing ("Generating the URL"):
// resize, size, resizing_type, width, height, dpr, enlarge, extend,
// gravity (incl. sm and fp), rotate, background, quality, format, blur,
// sharpen, pixelate, strip_metadata, preset, cachebuster, expires,
// filename, return_attachment, and the plain and base64 source URLs.
func TestParseOptions(t *testing.T) {
	t.Parallel()
	const src = "/plain/http://example.com/images/curiosity.jpg"
	white := &transform.Color{R: 255, G: 255, B: 255, A: 255}
	tests := []struct {
		name     string
		path     string
		want     transform.Options
		wantURL  string
		wantFile string
		wantAtt  bool
		wantExp  time.Time
	}{
		{name: "doc example, base64", path: "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png",
			want: transform.Options{Width: 300, Height: 400, Crop: transform.CropFill, Gravity: grav(transform.GravitySmart), Format: transform.FormatPNG}},
		{name: "doc example, plain", path: "/rs:fill:300:400:0/g:sm/plain/http://example.com/images/curiosity.jpg@png",
			want: transform.Options{Width: 300, Height: 400, Crop: transform.CropFill, Gravity: grav(transform.GravitySmart), Format: transform.FormatPNG}},
		{name: "plain, percent-encoded", path: "/w:100/plain/http%3A%2F%2Fexample.com%2Fimages%2Fcuriosity.jpg",
			want: transform.Options{Width: 100, Crop: transform.CropFit}},
		{name: "no options", path: src, want: transform.Options{}},
		{name: "resize fit with enlarge", path: "/resize:fit:300:200:1" + src,
			want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFit, Upscale: true}},
		{name: "force", path: "/rs:force:300:200" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropScale}},
		{name: "fill with one side is fit", path: "/rs:fill:300:0" + src, want: transform.Options{Width: 300, Crop: transform.CropFit}},
		{name: "size and rt", path: "/rt:fill/s:300:200" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill}},
		{name: "size keeps omitted arguments", path: "/s:300:200/s::100" + src, want: transform.Options{Width: 300, Height: 100, Crop: transform.CropFit}},
		{name: "width and height", path: "/w:300/h:200" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFit}},
		{name: "later overrides earlier", path: "/w:300/width:400" + src, want: transform.Options{Width: 400, Crop: transform.CropFit}},
		{name: "dpr", path: "/w:300/dpr:2" + src, want: transform.Options{Width: 300, DPR: 2, Crop: transform.CropFit}},
		{name: "dpr 1 is the default", path: "/w:300/dpr:1" + src, want: transform.Options{Width: 300, Crop: transform.CropFit}},
		{name: "enlarge", path: "/w:300/el:t" + src, want: transform.Options{Width: 300, Crop: transform.CropFit, Upscale: true}},
		{name: "extend pads", path: "/rs:fit:300:200:0:1" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropPad}},
		{name: "extend with gravity", path: "/s:300:200/ex:1:so" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropPad, Gravity: grav(transform.GravitySouth)}},
		{name: "extend a fill with enlarge has nothing to do", path: "/rs:fill:300:200:1:1" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Upscale: true}},
		{name: "gravity compass", path: "/rs:fill:300:200/g:nowe" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Gravity: grav(transform.GravityNorthWest)}},
		{name: "gravity with zero offsets", path: "/rs:fill:300:200/g:soea:0:0" + src, want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Gravity: grav(transform.GravitySouthEast)}},
		{name: "gravity focus point", path: "/rs:fill:300:200/g:fp:0.3:0.7" + src,
			want: transform.Options{Width: 300, Height: 200, Crop: transform.CropFill, Gravity: transform.Gravity{Type: transform.GravityFocal, X: 0.3, Y: 0.7}}},
		{name: "gravity is ignored by fit, as in imgproxy", path: "/w:300/g:no" + src, want: transform.Options{Width: 300, Crop: transform.CropFit}},
		{name: "rotate", path: "/rot:90" + src, want: transform.Options{Rotate: 90}},
		{name: "rotate 450", path: "/rotate:450" + src, want: transform.Options{Rotate: 90}},
		{name: "flip", path: "/fl:1:0" + src, want: transform.Options{FlipH: true}},
		{name: "background hex", path: "/bg:ffffff" + src, want: transform.Options{Background: white}},
		{name: "background rgb", path: "/background:255:255:255" + src, want: transform.Options{Background: white}},
		{name: "background reset", path: "/bg:ffffff/bg:" + src, want: transform.Options{}},
		{name: "quality", path: "/q:75" + src, want: transform.Options{Quality: 75}},
		{name: "quality 0 is the default", path: "/q:0" + src, want: transform.Options{}},
		{name: "format", path: "/f:webp" + src, want: transform.Options{Format: transform.FormatWebP}},
		{name: "format jpg", path: "/format:jpg" + src, want: transform.Options{Format: transform.FormatJPEG}},
		{name: "extension option", path: "/ext:avif" + src, want: transform.Options{Format: transform.FormatAVIF}},
		{name: "blur", path: "/bl:2.5" + src, want: transform.Options{Effects: transform.Effects{Blur: 2.5}}},
		{name: "blur 0 is off", path: "/blur:0" + src, want: transform.Options{}},
		{name: "sharpen", path: "/sh:0.5" + src, want: transform.Options{Effects: transform.Effects{Sharpen: 0.5}}},
		{name: "pixelate", path: "/pix:8" + src, want: transform.Options{Effects: transform.Effects{Pixelate: 8}}},
		{name: "watermark off", path: "/wm:0" + src, want: transform.Options{}},
		{name: "strip metadata", path: "/sm:1/scp:1/ar:1" + src, want: transform.Options{}},
		{name: "preset first", path: "/pr:thumb/q:90" + src, want: transform.Options{Preset: "thumb", Quality: 90}},
		{name: "cachebuster", path: "/cb:abc123/w:10" + src, want: transform.Options{Width: 10, Crop: transform.CropFit}},
		{name: "expires", path: "/exp:1893456000" + src, want: transform.Options{}, wantExp: time.Unix(1893456000, 0)},
		{name: "filename and attachment", path: "/fn:cat/att:1" + src, want: transform.Options{}, wantFile: "cat", wantAtt: true},
		{name: "encoded filename", path: "/fn:Y2F0LnBuZw:1" + src, want: transform.Options{}, wantFile: "cat.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := imgproxy.Parse(imgproxy.Config{AllowUnsafe: true}, "/insecure"+tt.path, now)
			require.NoError(t, err)
			require.Equal(t, tt.want, req.Options)
			require.Equal(t, "http://example.com/images/curiosity.jpg", req.SourceURL)
			require.Equal(t, tt.wantFile, req.Filename)
			require.Equal(t, tt.wantAtt, req.Attachment)
			require.True(t, tt.wantExp.Equal(req.Expires), "expires %v", req.Expires)
		})
	}
}

// TestParseRefused: what easel cannot do exactly is an error naming the option.
func TestParseRefused(t *testing.T) {
	t.Parallel()
	const src = "/plain/http://example.com/images/curiosity.jpg"
	tests := []struct {
		name, path, wantItem string
		wantCode             easel.Code
	}{
		{name: "expired", path: "/exp:1000" + src, wantItem: "exp", wantCode: easel.CodePermissionDenied},
		{name: "fill-down", path: "/rs:fill-down:300:200" + src, wantItem: "rs:fill-down:300:200"},
		{name: "auto", path: "/rt:auto" + src, wantItem: "rt:auto"},
		{name: "force with a zero side", path: "/rs:force:300:0" + src, wantItem: "rt:force"},
		{name: "extend with a zero side", path: "/rs:fit:300:0:0:1" + src, wantItem: "extend"},
		{name: "extend a fill without enlarge", path: "/rs:fill:300:200:0:1" + src, wantItem: "extend"},
		{name: "gravity offsets", path: "/rs:fill:300:200/g:no:10:0" + src, wantItem: "g:no:10:0"},
		{name: "object gravity", path: "/g:obj:face" + src, wantItem: "g:obj:face"},
		{name: "crop", path: "/c:100:100:ce" + src, wantItem: "c:100:100:ce"},
		{name: "padding", path: "/pd:10" + src, wantItem: "pd:10"},
		{name: "trim", path: "/t:10" + src, wantItem: "t:10"},
		{name: "watermark", path: "/wm:0.5:soea" + src, wantItem: "wm:0.5:soea"},
		{name: "keep metadata", path: "/sm:0" + src, wantItem: "sm:0"},
		{name: "no auto-rotate", path: "/ar:0" + src, wantItem: "ar:0"},
		{name: "two presets", path: "/pr:a:b" + src, wantItem: "pr:a:b"},
		{name: "preset after options", path: "/w:10/pr:a" + src, wantItem: "pr:a"},
		{name: "rotate 45", path: "/rot:45" + src, wantItem: "rot:45"},
		{name: "dpr 5", path: "/dpr:5" + src, wantItem: "dpr:5"},
		{name: "dpr 0.5", path: "/dpr:0.5" + src, wantItem: "dpr:0.5"},
		{name: "too wide", path: "/w:9000" + src, wantItem: "w:9000"},
		{name: "blur too strong", path: "/bl:200" + src, wantItem: "bl:200"},
		{name: "sharpen too strong", path: "/sh:20" + src, wantItem: "sh:20"},
		{name: "pixelate too coarse", path: "/pix:300" + src, wantItem: "pix:300"},
		{name: "quality 101", path: "/q:101" + src, wantItem: "q:101"},
		{name: "format tiff", path: "/f:tiff" + src, wantItem: "f:tiff"},
		{name: "extension bmp", path: "/plain/http://example.com/a.jpg@bmp", wantItem: "extension bmp"},
		{name: "bad boolean", path: "/el:yes" + src, wantItem: "el:yes"},
		{name: "bad background", path: "/bg:fff" + src, wantItem: "bg:fff"},
		{name: "filename with slash", path: "/fn:a%2Fb:0" + src, wantItem: "fn:"},
		{name: "unknown", path: "/frobnicate:1" + src, wantItem: "frobnicate:1"},
		{name: "encrypted source", path: "/w:10/enc/abcdef", wantItem: "enc"},
		{name: "bad base64", path: "/w:10/!!!!.png", wantItem: "!!!!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := imgproxy.Parse(imgproxy.Config{AllowUnsafe: true}, "/insecure"+tt.path, now)
			require.Error(t, err)
			code := tt.wantCode
			if code == "" {
				code = easel.CodeInvalidArgument
			}
			require.Equal(t, code, easel.ErrorCode(err), "%v", err)
			require.Contains(t, easel.ErrorMessage(err), tt.wantItem)
		})
	}
}

// The source fetcher is what the endpoints match image URLs with.
var _ imgproxy.Matcher = (*source.Fetcher)(nil)

// matcherFunc adapts a function to imgproxy.Matcher.
type matcherFunc func(string) (string, string, error)

func (f matcherFunc) Match(_, u string) (string, string, error) { return f(u) }

func TestSource(t *testing.T) {
	t.Parallel()
	m := matcherFunc(func(u string) (string, string, error) {
		switch u {
		case "http://example.com/images/curiosity.jpg":
			return "ex", "images/curiosity.jpg", nil
		case "s3://photos/images/curiosity.jpg":
			return "archive", "images/curiosity.jpg", nil
		}
		return "", "", easel.Errorf(easel.CodePermissionDenied, "inside no source")
	})
	name, p, err := imgproxy.Request{SourceURL: "http://example.com/images/curiosity.jpg"}.Source("t", m)
	require.NoError(t, err)
	require.Equal(t, "ex", name)
	require.Equal(t, "images/curiosity.jpg", p)
	name, p, err = imgproxy.Request{SourceURL: "s3://photos/images/curiosity.jpg"}.Source("t", m)
	require.NoError(t, err)
	require.Equal(t, "archive", name)
	require.Equal(t, "images/curiosity.jpg", p)
	_, _, err = imgproxy.Request{SourceURL: "http://169.254.169.254/"}.Source("t", m)
	require.Equal(t, easel.CodePermissionDenied, easel.ErrorCode(err))
	_, _, err = imgproxy.Request{SourceURL: "s3://bucket/a.jpg"}.Source("t", m)
	require.Equal(t, easel.CodePermissionDenied, easel.ErrorCode(err), "s3 URLs go to the matcher, which knows no such bucket")
	_, _, err = imgproxy.Request{SourceURL: "gs://bucket/a.jpg"}.Source("t", m)
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
	_, _, err = imgproxy.Request{SourceURL: "local:///a.jpg"}.Source("t", m)
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
}
