package vips

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"

	"github.com/easelhq/easel/transform"
)

// maxSVGBytes bounds an inflated svgz document.
const maxSVGBytes = 16 << 20

// sniff returns the format of data from its leading bytes, never from a name.
// gz reports a gzip stream holding an SVG document (svgz). It returns
// FormatNone for anything easel does not read.
func sniff(data []byte) (f transform.Format, gz bool) {
	switch {
	case len(data) < 4:
		return transform.FormatNone, false
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return transform.FormatJPEG, false
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return transform.FormatPNG, false
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return transform.FormatGIF, false
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return transform.FormatWebP, false
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return transform.FormatTIFF, false
	case bytes.HasPrefix(data, []byte{0xFF, 0x0A}),
		bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n")):
		return transform.FormatJXL, false
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return transform.FormatPDF, false
	case isBMP(data):
		return transform.FormatBMP, false
	}
	if f := sniffISOBMFF(data); f != transform.FormatNone {
		return f, false
	}
	if bytes.HasPrefix(data, []byte{0x1F, 0x8B}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return transform.FormatNone, false
		}
		head := make([]byte, 4096)
		n, _ := io.ReadFull(zr, head)
		if isSVG(head[:n]) {
			return transform.FormatSVG, true
		}
		return transform.FormatNone, false
	}
	if isSVG(data) {
		return transform.FormatSVG, false
	}
	return transform.FormatNone, false
}

// sniffISOBMFF recognises HEIF and AVIF from the ftyp box. The decoded
// header's compression has the last word (see openHeader).
func sniffISOBMFF(data []byte) transform.Format {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return transform.FormatNone
	}
	size := int(binary.BigEndian.Uint32(data[0:4]))
	if size < 16 || size > len(data) {
		size = min(len(data), 64)
	}
	heif := false
	for i := 8; i+4 <= size; i += 4 {
		if i == 12 { // minor version
			continue
		}
		switch string(data[i : i+4]) {
		case "avif", "avis":
			return transform.FormatAVIF
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			heif = true
		}
	}
	if heif {
		return transform.FormatHEIF
	}
	return transform.FormatNone
}

func isBMP(data []byte) bool {
	if len(data) < 26 || data[0] != 'B' || data[1] != 'M' {
		return false
	}
	switch binary.LittleEndian.Uint32(data[14:18]) { // DIB header size
	case 12, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isSVG reports whether data starts like an SVG document: optional BOM,
// blanks, XML declaration, comments or doctype, then an <svg element, within
// the first 4 KiB.
func isSVG(data []byte) bool {
	head := data[:min(len(data), 4096)]
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<")) {
		return false
	}
	return bytes.Contains(head, []byte("<svg"))
}

var errSVGTooLarge = errors.New("svgz: inflated document too large")

// inflate decompresses an svgz document, refusing more than maxSVGBytes.
func inflate(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxSVGBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxSVGBytes {
		return nil, errSVGTooLarge
	}
	return out, nil
}
