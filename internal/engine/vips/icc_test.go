package vips

import (
	"testing"

	govips "github.com/davidbyttow/govips/v2/vips"
)

// profileOf returns the ICC profile embedded in a corpus image.
func profileOf(t *testing.T, file string) []byte {
	t.Helper()
	img, err := govips.NewImageFromBuffer(readImage(t, file))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	p := img.GetICCProfile()
	if len(p) == 0 {
		t.Fatalf("%s has no profile", file)
	}
	return p
}

// libvipsSRGB returns the sRGB profile libvips embeds when it exports sRGB.
func libvipsSRGB(t *testing.T) []byte {
	t.Helper()
	img, err := govips.NewImageFromBuffer(readImage(t, "formats/bimg_prophoto.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if err := img.TransformICCProfile("srgb"); err != nil {
		t.Fatal(err)
	}
	return img.GetICCProfile()
}

func TestIsSRGBProfile(t *testing.T) {
	newTestEngine(t)
	srgb := profileOf(t, "photos/plasma_ColorfulCups_2560x1600.jpg")
	tests := []struct {
		name    string
		profile []byte
		want    bool
	}{
		{"sRGB IEC61966-2.1 of a photo", srgb, true},
		{"libvips' own sRGB", libvipsSRGB(t), true},
		{"ProPhoto", profileOf(t, "formats/bimg_prophoto.jpg"), false},
		{"Adobe RGB", profileOf(t, "formats/imagor_adobe-rgb_canon5d.jpg"), false},
		{"Display P3", profileOf(t, "formats/sharp_p3.png"), false},
		{"grey", profileOf(t, "formats/govips_gray_with_icc.jpg"), false},
		{"CMYK", profileOf(t, "formats/govips_cmyk_icc_swop.jpg"), false},
		{"truncated", srgb[:200], false},
		{"empty", nil, false},
		{"red colorant moved", func() []byte {
			p := append([]byte(nil), srgb...)
			tags := iccTags(p)
			r := tags["rXYZ"]
			r[8]++ // X += 1/256... of the integer part's byte: far off
			return p
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isSRGBProfile(tt.profile); got != tt.want {
				t.Fatalf("isSRGBProfile = %v, want %v", got, tt.want)
			}
		})
	}
}
