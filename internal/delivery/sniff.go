package delivery

import "github.com/easelhq/easel/transform"

// sniffFormat tells an output format from its first bytes.
func sniffFormat(b []byte) transform.Format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return transform.FormatJPEG
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return transform.FormatPNG
	case len(b) >= 6 && (string(b[:6]) == "GIF87a" || string(b[:6]) == "GIF89a"):
		return transform.FormatGIF
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return transform.FormatWebP
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && (string(b[8:12]) == "avif" || string(b[8:12]) == "avis"):
		return transform.FormatAVIF
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0x0A, len(b) >= 12 && string(b[4:12]) == "JXL \r\n\x87\n":
		return transform.FormatJXL
	}
	return transform.FormatNone
}
