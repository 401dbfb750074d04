package upload

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/svgsafe"
	"github.com/easelhq/easel/transform"
)

// VerifySide is the largest side of the decode that checks an upload: small
// enough that shrink-on-load makes it cheap, and every byte of the image is
// still read.
const VerifySide = 64

// verify decodes data shrunk to VerifySide, so an image whose header is
// fine but whose pixels are not (a truncated JPEG) is refused before it is
// stored. A refusal is unsupported_media; a failure of the server's (a
// deadline, an internal error) is passed on as it is.
func (s *Uploads) verify(ctx context.Context, format transform.Format, data []byte) error {
	if !complete(format, data) {
		return easel.Errorf(easel.CodeUnsupportedMedia, "the %s image is truncated; ?verify=false stores it anyway", format)
	}
	_, _, _, err := s.engine.Raster(ctx, data, VerifySide)
	if err == nil {
		return nil
	}
	switch easel.ErrorCode(err) {
	case easel.CodeInternal, easel.CodeDeadlineExceeded, easel.CodeOverloaded:
		return err
	case easel.CodeUnsupportedMedia:
		return easel.WrapError(easel.CodeUnsupportedMedia, err, "the image does not decode (corrupt or truncated); ?verify=false stores it anyway")
	}
	return err
}

// complete reports whether data holds the end of its image: a JPEG's EOI
// marker after its last scan (neither marker can occur inside entropy-coded
// data, and an EXIF thumbnail's come before the main scan), a PNG's IEND
// chunk. libvips decodes a truncated image without an error (the missing
// rows come out grey), so the decode alone does not tell. Other formats are
// left to the decode.
func complete(format transform.Format, data []byte) bool {
	switch format {
	case transform.FormatJPEG:
		sos := bytes.LastIndex(data, []byte{0xff, 0xda})
		return sos >= 0 && bytes.LastIndex(data, []byte{0xff, 0xd9}) > sos
	case transform.FormatPNG:
		return bytes.Contains(data[max(0, len(data)-64<<10):], []byte("IEND"))
	}
	return true
}

// sanitizeSVG returns the SVG document (gzip-compressed or not) rewritten by
// svgsafe.Sanitize, whose output is what is stored: no script, event
// handler, foreign object or external reference survives.
func (s *Uploads) sanitizeSVG(data []byte) ([]byte, error) {
	var r io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, easel.WrapError(easel.CodeUnsupportedMedia, err, "svgz data is corrupt")
		}
		defer zr.Close()
		r = zr
	}
	out, err := svgsafe.Sanitize(r, s.cfg.MaxUploadBytes)
	if err != nil {
		return nil, err
	}
	return out, nil
}
