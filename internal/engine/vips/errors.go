package vips

import (
	"context"
	"errors"
	"strings"

	"github.com/easelhq/easel"
)

// cause trims govips' error text (it appends a Go stack trace) to the libvips
// message, for logs.
func cause(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "\nStack:"); i >= 0 {
		msg = msg[:i]
	}
	return errors.New(strings.TrimSpace(msg))
}

// decodeWords mark libvips messages that come from a loader: libvips decodes
// lazily, so broken input often fails only when pixels are pulled, in the
// middle of a later operation or of the encoder.
var decodeWords = []string{
	"load", "vipsjpeg", "vipspng", "spng", "libpng", "png:", "gif", "webp", "heif", "tiff",
	"svg", "pdf", "jxl", "magick", "premature", "truncat", "corrupt", "invalid", "decode",
	"read error", "not a known", "unable to read", "out of order", "bad ", "unsupported",
}

// failed wraps a libvips error: a decoding failure is the client's image
// (CodeUnsupportedMedia), anything else CodeInternal.
func failed(step string, err error) error {
	var ee *easel.Error
	if errors.As(err, &ee) {
		return err
	}
	c := cause(err)
	msg := strings.ToLower(c.Error())
	if msg == "" {
		// libvips loaders running in a worker thread of a saver can fail
		// without leaving a message: the input is to blame.
		return easel.WrapError(easel.CodeUnsupportedMedia, errors.New("no message from libvips"), "image data is corrupt or truncated")
	}
	for _, w := range decodeWords {
		if strings.Contains(msg, w) {
			return easel.WrapError(easel.CodeUnsupportedMedia, c, "image data is corrupt or truncated")
		}
	}
	return easel.WrapError(easel.CodeInternal, c, "image processing failed at %s", step)
}

// ctxErr returns CodeDeadlineExceeded once ctx is done.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return easel.WrapError(easel.CodeDeadlineExceeded, err, "image processing ran out of time")
	}
	return nil
}

// benignWords are decoder warnings that do not lose pixels.
var benignWords = []string{"extraneous bytes before marker", "gave", "warning"}

// benign reports whether err is a strict decode failure worth a lenient
// retry.
func benign(err error) bool {
	if easel.ErrorCode(err) != easel.CodeUnsupportedMedia {
		return false
	}
	msg := strings.ToLower(cause(errors.Unwrap(err)).Error())
	if msg == "no message from libvips" {
		return true
	}
	for _, w := range []string{"premature", "truncat", "unexpected end", "huffman", "read error", "invalid frame"} {
		if strings.Contains(msg, w) {
			return false
		}
	}
	for _, w := range benignWords {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}
