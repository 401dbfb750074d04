package transform_test

import (
	"strings"
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rest    string
		sig     string
		ops     string
		assetID string
		ext     transform.Format
		wantErr string // start of the message; "" for success
	}{
		{"with extension", "abc/w_300,f_webp/" + testID + ".webp", "abc", "w_300,f_webp", testID, transform.FormatWebP, ""},
		{"without extension", "abc/-/" + testID, "abc", "-", testID, transform.FormatNone, ""},
		{"jpg", "abc/w_1/" + testID + ".jpg", "abc", "w_1", testID, transform.FormatJPEG, ""},
		{"jpeg", "abc/w_1/" + testID + ".jpeg", "abc", "w_1", testID, transform.FormatJPEG, ""},
		{"jxl", "abc/w_1/" + testID + ".jxl", "abc", "w_1", testID, transform.FormatJXL, ""},
		{"raw ops kept", "abc/txt_a%2Cb/" + testID + ".png", "abc", "txt_a%2Cb", testID, transform.FormatPNG, ""},
		{"two segments", "abc/" + testID, "", "", "", "", "delivery path must be"},
		{"four segments", "abc/w_1/x/" + testID, "", "", "", "", "delivery path must be"},
		{"empty signature", "/w_1/" + testID, "", "", "", "", "delivery path must be"},
		{"empty ops", "abc//" + testID, "", "", "", "", "delivery path must be"},
		{"trailing slash", "abc/w_1/" + testID + "/", "", "", "", "", "delivery path must be"},
		{"empty", "", "", "", "", "", "delivery path must be"},
		{"unknown extension", "abc/w_1/" + testID + ".tiff", "", "", "", "", "extension tiff: must be"},
		{"empty extension", "abc/w_1/" + testID + ".", "", "", "", "", "extension : must be"},
		{"double extension", "abc/w_1/" + testID + ".jpg.png", "", "", "", "", "extension jpg.png: must be"},
		{"bad asset ID", "abc/w_1/logo.png", "", "", "", "", "asset logo: not an asset ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sig, ops, id, ext, err := transform.ParsePath(tt.rest)
			if tt.wantErr != "" {
				if easel.ErrorCode(err) != easel.CodeInvalidArgument || !strings.HasPrefix(easel.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("ParsePath(%q) error %v, want invalid_argument %q...", tt.rest, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.rest, err)
			}
			if sig != tt.sig || ops != tt.ops || id != tt.assetID || ext != tt.ext {
				t.Fatalf("ParsePath(%q) = %q, %q, %q, %q; want %q, %q, %q, %q",
					tt.rest, sig, ops, id, ext, tt.sig, tt.ops, tt.assetID, tt.ext)
			}
		})
	}
}

func TestSignedPath(t *testing.T) {
	t.Parallel()
	key := []byte("k")
	tests := []struct {
		name, ops, ext string
		signed         string
	}{
		{"with extension", "w_300,txt_a%2Cb", "png", "w_300,txt_a%2Cb/" + testID + ".png"},
		{"without extension", "-", "", "-/" + testID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := transform.SignedPath(key, tt.ops, testID, tt.ext)
			want := "/i/" + transform.Sign(key, tt.signed) + "/" + tt.signed
			if p != want {
				t.Fatalf("SignedPath = %q, want %q", p, want)
			}
			rest := strings.TrimPrefix(p, transform.DeliveryPrefix)
			sig, ops, id, _, err := transform.ParsePath(rest)
			if err != nil || ops != tt.ops || id != testID {
				t.Fatalf("ParsePath(%q) = %q, %q, %v", rest, ops, id, err)
			}
			if !transform.Verify([][]byte{key}, sig, rest[len(sig)+1:]) {
				t.Fatalf("Verify refuses the path SignedPath made: %q", p)
			}
		})
	}
}
