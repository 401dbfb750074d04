package vips

import (
	"strings"
	"unicode"
	"unicode/utf8"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// header is an opened image whose pixels have not been decoded.
type header struct {
	img         *govips.ImageRef
	format      transform.Format
	data        []byte // what libvips reads: the input, or an inflated svgz
	width       int    // one frame, as libvips decodes it (HEIF: irot applied)
	height      int
	pages       int
	orientation int // 1..8
}

func (h *header) close() {
	if h != nil && h.img != nil {
		h.img.Close()
	}
}

// displayed returns the frame size after EXIF orientation.
func (h *header) displayed() (w, h2 int) {
	if h.orientation >= 5 {
		return h.height, h.width
	}
	return h.width, h.height
}

// Probe reads the header of data, never its pixels, and enforces the size
// limits. It returns CodeUnsupportedMedia for anything it cannot read and
// CodeTooLarge above MaxPixels or MaxPages.
func (e *Engine) Probe(data []byte) (transform.Source, error) {
	h, err := e.openHeader(data)
	if err != nil {
		return transform.Source{}, err
	}
	defer h.close()
	src := h.source()
	src.EXIF = exifFields(h.img)
	return src, nil
}

// source describes the header as a transform.Source, without EXIF.
func (h *header) source() transform.Source {
	return transform.Source{
		Format:      h.format,
		Width:       h.width,
		Height:      h.height,
		Orientation: h.orientation,
		Pages:       h.pages,
		HasAlpha:    h.img.HasAlpha(),
	}
}

// openHeader sniffs data, opens it lazily and checks the limits.
func (e *Engine) openHeader(data []byte) (*header, error) {
	if len(data) == 0 {
		return nil, easel.Errorf(easel.CodeUnsupportedMedia, "empty image")
	}
	format, gz := sniff(data)
	if format == transform.FormatNone {
		return nil, easel.Errorf(easel.CodeUnsupportedMedia, "unknown or unsupported image format")
	}
	src := data
	if gz {
		var err error
		if src, err = inflate(data); err != nil {
			if err == errSVGTooLarge {
				return nil, easel.Errorf(easel.CodeTooLarge, "svgz document inflates to more than %d bytes", maxSVGBytes)
			}
			return nil, easel.WrapError(easel.CodeUnsupportedMedia, err, "svgz data is corrupt or truncated")
		}
	}
	img, err := govips.LoadImageFromBuffer(src, govips.NewImportParams())
	if err != nil {
		return nil, easel.WrapError(easel.CodeUnsupportedMedia, cause(err), "cannot read %s image: data is corrupt or not supported", format)
	}
	h := &header{img: img, format: format, data: src, width: img.Width(), pages: max(img.Pages(), 1)}
	h.height = img.PageHeight()
	if h.pages > 1 && img.Height() != h.height {
		// Not expected with n=1, but keep the frame height honest.
		h.height = img.Height() / h.pages
	}
	if format == transform.FormatHEIF || format == transform.FormatAVIF {
		if img.GetString("heif-compression") == "av1" {
			h.format = transform.FormatAVIF
		} else if c := img.GetString("heif-compression"); c != "" {
			h.format = transform.FormatHEIF
		}
	}
	h.orientation = 1
	// libheif applies irot/imir itself and libvips drops the tag: never turn
	// a HEIF twice.
	if o := img.Orientation(); o >= 1 && o <= 8 && h.format != transform.FormatHEIF && h.format != transform.FormatAVIF {
		h.orientation = o
	}
	if h.width < 1 || h.height < 1 {
		h.close()
		return nil, easel.Errorf(easel.CodeUnsupportedMedia, "image has no pixels")
	}
	if px := h.width * h.height; px > e.cfg.MaxPixels {
		h.close()
		return nil, easel.Errorf(easel.CodeTooLarge, "image is %dx%d (%d pixels), above the limit of %d pixels",
			h.width, h.height, px, e.cfg.MaxPixels)
	}
	if h.pages > e.cfg.MaxPages {
		h.close()
		return nil, easel.Errorf(easel.CodeTooLarge, "image has %d pages or frames, above the limit of %d", h.pages, e.cfg.MaxPages)
	}
	return h, nil
}

// exifTags maps libvips' EXIF tag names to the keys easel keeps.
var exifTags = map[string]string{
	"Make":                    "Make",
	"Model":                   "Model",
	"DateTimeOriginal":        "DateTimeOriginal",
	"Orientation":             "Orientation",
	"Software":                "Software",
	"LensModel":               "LensModel",
	"FNumber":                 "FNumber",
	"ExposureTime":            "ExposureTime",
	"ISOSpeedRatings":         "ISO",
	"PhotographicSensitivity": "ISO",
}

const maxEXIFValue = 128

// exifFields returns the readable EXIF fields of img, or nil.
func exifFields(img *govips.ImageRef) map[string]string {
	var out map[string]string
	for _, name := range img.GetFields() {
		if !strings.HasPrefix(name, "exif-ifd") {
			continue
		}
		i := strings.IndexByte(name[len("exif-ifd"):], '-')
		if i < 0 {
			continue
		}
		key, ok := exifTags[name[len("exif-ifd")+i+1:]]
		if !ok {
			continue
		}
		v := sanitize(exifValue(img.GetString(name), key == "FNumber" || key == "ExposureTime"))
		if v == "" {
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		out[key] = v
	}
	return out
}

// exifValue extracts the value from libvips' "raw (nice, Type, N components,
// N bytes)" rendering: the raw value, or the readable one when nice is set.
func exifValue(s string, nice bool) string {
	end := strings.LastIndex(s, ")")
	if end < 0 {
		return s
	}
	body := s[:end]
	// Drop ", Type, N components, N bytes".
	for range 3 {
		if j := strings.LastIndex(body, ", "); j >= 0 {
			body = body[:j]
		}
	}
	// Text values read "v (v": split where both halves agree.
	for i := 0; ; {
		j := strings.Index(body[i:], " (")
		if j < 0 {
			break
		}
		if body[:i+j] == body[i+j+2:] {
			return body[:i+j]
		}
		i += j + 2
	}
	// Numbers have no parenthesis in their raw form.
	j := strings.Index(body, " (")
	if j < 0 {
		return body
	}
	if nice {
		return body[j+2:]
	}
	return body[:j]
}

// sanitize keeps printable UTF-8, trimmed and bounded.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return -1
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxEXIFValue {
		cut := maxEXIFValue
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}
