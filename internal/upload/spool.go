package upload

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/easelhq/easel"
)

// spooled is an upload body written to a temporary file, with its size and
// SHA-256 computed on the way.
type spooled struct {
	f    *os.File
	size int64
	sum  string // hex SHA-256
	// video is the container its first bytes show (SniffVideo) when
	// videos are accepted, "" for anything else.
	video string
}

// close removes the temporary file.
func (sp *spooled) close() {
	name := sp.f.Name()
	_ = sp.f.Close()
	_ = os.Remove(name)
}

// reader streams the spooled bytes from the start.
func (sp *spooled) reader() io.Reader { return io.NewSectionReader(sp.f, 0, sp.size) }

// mmap maps the spooled bytes read-only, so the engine reads them without a
// copy on the Go heap; the caller calls unmap once nothing refers to them.
func (sp *spooled) mmap() (data []byte, unmap func(), err error) {
	if sp.size == 0 {
		return nil, func() {}, nil
	}
	data, err = syscall.Mmap(int(sp.f.Fd()), 0, int(sp.size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("upload: map %q: %w", sp.f.Name(), err)
	}
	return data, func() { _ = syscall.Munmap(data) }, nil
}

// spool streams body to a temporary file under Config.TempDir, hashing and
// counting it, refusing a byte over the limit (too_large) and a client slower
// than Config.MinRate after Config.RateGrace (request_timeout). The limit is
// Config.MaxVideoBytes when the first bytes are a video's (SniffVideo) and
// videos are accepted, else Config.MaxUploadBytes; a positive maxBytes (an
// upload token's cap) lowers it. The file is removed on error; otherwise
// the caller closes the result.
func (s *Uploads) spool(body io.Reader, setReadDeadline func(time.Time) error, maxBytes int64) (*spooled, error) {
	if body == nil {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "the upload has no body")
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("upload: temporary file: %w", err)
	}
	sp := &spooled{f: f}
	ok := false
	defer func() {
		if !ok {
			sp.close()
		}
	}()
	rr := &rateReader{r: body, minRate: s.cfg.MinRate, grace: s.cfg.RateGrace, setDeadline: setReadDeadline, start: time.Now()}
	h := sha256.New()
	head := make([]byte, sniffHead)
	hn, err := io.ReadFull(rr, head)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	head = head[:hn]
	limit, what := s.cfg.MaxUploadBytes, "upload"
	if format, ok := SniffVideo(head); ok && s.cfg.MaxVideoBytes > 0 {
		sp.video, limit, what = format, s.cfg.MaxVideoBytes, "video"
	}
	if maxBytes > 0 && maxBytes < limit {
		limit = maxBytes
	}
	var n int64
	if err == nil {
		n, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(io.MultiReader(bytes.NewReader(head), rr), limit+1))
	}
	if setReadDeadline != nil {
		_ = setReadDeadline(time.Time{})
	}
	if err != nil {
		switch {
		case errors.Is(err, errTooSlow) || errors.Is(err, os.ErrDeadlineExceeded):
			return nil, easel.WrapError(easel.CodeRequestTimeout, err,
				"the upload arrived slower than %d bytes per second", s.cfg.MinRate)
		case easel.ErrorCode(err) != easel.CodeInternal:
			return nil, err // too_large from a limit in front, for example
		case errors.Is(err, os.ErrClosed) || isWriteError(err):
			return nil, fmt.Errorf("upload: spool: %w", err)
		}
		return nil, easel.WrapError(easel.CodeInvalidArgument, err, "could not read the upload")
	}
	if n > limit {
		return nil, easel.Errorf(easel.CodeTooLarge, "%s is larger than %d bytes", what, limit)
	}
	sp.size, sp.sum = n, hex.EncodeToString(h.Sum(nil))
	ok = true
	return sp, nil
}

// isWriteError reports whether err came from writing the temporary file
// (disk full) rather than from reading the client.
func isWriteError(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && pe.Op == "write"
}

// errTooSlow is a body that arrives slower than the minimum rate.
var errTooSlow = errors.New("upload: client below the minimum transfer rate")

// rateReader fails once the average rate falls below minRate bytes per
// second after grace. With setDeadline (the connection's read deadline) a
// client that sends nothing at all is cut too: each Read must bring its bytes
// before the time at which the average would fall below the rate.
type rateReader struct {
	r           io.Reader
	minRate     int64
	grace       time.Duration
	setDeadline func(time.Time) error
	start       time.Time
	n           int64
}

// due is the time by which the bytes read so far stop meeting the rate.
func (rr *rateReader) due() time.Time {
	need := time.Duration(float64(rr.n) / float64(rr.minRate) * float64(time.Second))
	return rr.start.Add(max(rr.grace, need))
}

// Read implements io.Reader.
func (rr *rateReader) Read(p []byte) (int, error) {
	if rr.minRate <= 0 {
		return rr.r.Read(p)
	}
	if rr.setDeadline != nil {
		_ = rr.setDeadline(rr.due())
	}
	n, err := rr.r.Read(p)
	rr.n += int64(n)
	if err == nil && time.Now().After(rr.due()) {
		return n, errTooSlow
	}
	return n, err
}
