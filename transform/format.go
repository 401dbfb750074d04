package transform

import "strings"

// outputFormats maps the names of f_ and of file extensions to formats.
var outputFormats = map[string]Format{
	"jpeg": FormatJPEG, "jpg": FormatJPEG, "png": FormatPNG, "webp": FormatWebP,
	"avif": FormatAVIF, "gif": FormatGIF, "jxl": FormatJXL,
}

// FormatFromExt returns the output format of a file extension given without
// the dot, in any case: jpg and jpeg, png, webp, avif, gif, jxl.
func FormatFromExt(ext string) (Format, bool) {
	f, ok := outputFormats[strings.ToLower(ext)]
	return f, ok
}

// IsOutput reports whether easel can encode images in f: jpeg, png, webp,
// avif, gif and jxl.
func (f Format) IsOutput() bool {
	switch f {
	case FormatJPEG, FormatPNG, FormatWebP, FormatAVIF, FormatGIF, FormatJXL:
		return true
	}
	return false
}

// defaultQuality is the quality of each output format when neither q_ nor
// PlanConfig.Quality sets one. PNG and GIF are lossless; 100 is only a
// placeholder for them.
var defaultQuality = map[Format]int{
	FormatJPEG: 80,
	FormatWebP: 80,
	FormatAVIF: 55,
	FormatJXL:  75,
	FormatPNG:  100,
	FormatGIF:  100,
}
