package source

import (
	"bytes"
	"encoding/binary"

	"github.com/easelhq/easel/transform"
)

// sniff returns the image format of data from its leading bytes, or
// FormatNone when it is nothing easel reads. The engine sniffs again when it
// decodes; this only keeps HTML error pages and the like out of the cache.
func sniff(data []byte) transform.Format {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return transform.FormatJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return transform.FormatPNG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return transform.FormatGIF
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return transform.FormatWebP
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return transform.FormatTIFF
	case bytes.HasPrefix(data, []byte{0xFF, 0x0A}), bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n")):
		return transform.FormatJXL
	case len(data) >= 26 && bytes.HasPrefix(data, []byte("BM")):
		switch binary.LittleEndian.Uint32(data[14:18]) {
		case 12, 40, 52, 56, 64, 108, 124:
			return transform.FormatBMP
		}
	case len(data) >= 16 && string(data[4:8]) == "ftyp":
		return sniffFtyp(data)
	}
	head := bytes.TrimLeft(bytes.TrimPrefix(data[:min(len(data), 4096)], []byte("\xEF\xBB\xBF")), " \t\r\n")
	if bytes.HasPrefix(head, []byte("<")) && bytes.Contains(head, []byte("<svg")) {
		return transform.FormatSVG
	}
	return transform.FormatNone
}

// sniffFtyp tells AVIF and HEIF from the brands of an ISOBMFF ftyp box.
func sniffFtyp(data []byte) transform.Format {
	size := int(binary.BigEndian.Uint32(data[0:4]))
	if size < 16 || size > len(data) {
		size = min(len(data), 64)
	}
	f := transform.FormatNone
	for i := 8; i+4 <= size; i += 4 {
		if i == 12 { // minor version
			continue
		}
		switch string(data[i : i+4]) {
		case "avif", "avis":
			return transform.FormatAVIF
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			f = transform.FormatHEIF
		}
	}
	return f
}
