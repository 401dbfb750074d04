package vision

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // decoders for LoadRGB
	_ "image/png"
	"os"

	_ "golang.org/x/image/webp"
)

// LoadRGB decodes a JPEG, PNG or WebP file into an RGB raster in displayed
// orientation (EXIF orientation of JPEG and WebP applied). It serves tests
// and Evaluate; the server decodes with its engine.
func LoadRGB(path string) (RGB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return RGB{}, fmt.Errorf("vision: %w", err)
	}
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return RGB{}, fmt.Errorf("vision: decode %s: %w", path, err)
	}
	return orient(toRGB(m), exifOrientation(data)), nil
}

// toRGB converts any image to RGB (alpha is dropped).
func toRGB(m image.Image) RGB {
	b := m.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), m, b.Min, draw.Src)
	out := RGB{Pix: make([]byte, b.Dx()*b.Dy()*3), W: b.Dx(), H: b.Dy()}
	for i := range b.Dx() * b.Dy() {
		copy(out.Pix[i*3:i*3+3], rgba.Pix[i*4:i*4+3])
	}
	return out
}

// orient applies an EXIF orientation (1–8) to img.
func orient(img RGB, o int) RGB {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.W, img.H
	if o >= 5 { // the transposing ones swap the sides
		w, h = h, w
	}
	out := RGB{Pix: make([]byte, w*h*3), W: w, H: h}
	for y := range h {
		for x := range w {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = img.W-1-x, y
			case 3:
				sx, sy = img.W-1-x, img.H-1-y
			case 4:
				sx, sy = x, img.H-1-y
			case 5:
				sx, sy = y, x
			case 6: // rotate 90° clockwise
				sx, sy = y, img.H-1-x
			case 7:
				sx, sy = img.W-1-y, img.H-1-x
			case 8: // rotate 90° counter-clockwise
				sx, sy = img.W-1-y, x
			}
			copy(out.Pix[(y*w+x)*3:(y*w+x)*3+3], img.Pix[(sy*img.W+sx)*3:])
		}
	}
	return out
}

// exifOrientation returns the EXIF orientation of a JPEG or WebP file, 1
// when there is none.
func exifOrientation(data []byte) int {
	switch {
	case len(data) > 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		for p := 12; p+8 <= len(data); {
			size := int(binary.LittleEndian.Uint32(data[p+4:]))
			if size < 0 || p+8+size > len(data) {
				break
			}
			if string(data[p:p+4]) == "EXIF" {
				return tiffOrientation(bytes.TrimPrefix(data[p+8:p+8+size], []byte("Exif\x00\x00")))
			}
			p += 8 + size + size&1
		}
	case len(data) > 4 && data[0] == 0xFF && data[1] == 0xD8:
		for p := 2; p+4 <= len(data) && data[p] == 0xFF; {
			marker, size := data[p+1], int(binary.BigEndian.Uint16(data[p+2:]))
			if marker == 0xDA || p+2+size > len(data) { // start of scan: no more headers
				break
			}
			seg := data[p+4 : p+2+size]
			if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				return tiffOrientation(seg[6:])
			}
			p += 2 + size
		}
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of IFD0 of a TIFF (EXIF) block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			break
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}
