package tus

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/easelhq/easel"
)

// partsReader reads the parts of an upload one after another, opening each
// only when the one before is done, and checks each has its recorded size.
type partsReader struct {
	ctx   context.Context
	blobs easel.BlobStore
	id    string
	sizes []int64

	next int // index of the part after cur
	cur  io.ReadCloser
	got  int64 // bytes read from cur
}

// Read implements io.Reader.
func (r *partsReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if r.next == len(r.sizes) {
				return 0, io.EOF
			}
			rc, err := r.blobs.Get(r.ctx, partKey(r.id, r.next))
			if err != nil {
				return 0, fmt.Errorf("tus: opening part %d of %q: %w", r.next, r.id, err)
			}
			r.cur, r.got = rc, 0
			r.next++
		}
		n, err := r.cur.Read(p)
		r.got += int64(n)
		if r.got > r.sizes[r.next-1] {
			return 0, fmt.Errorf("tus: part %d of %q is longer than its recorded %d bytes", r.next-1, r.id, r.sizes[r.next-1])
		}
		if err == io.EOF {
			_ = r.cur.Close()
			r.cur = nil
			if r.got != r.sizes[r.next-1] {
				return 0, fmt.Errorf("tus: part %d of %q has %d bytes, %d recorded", r.next-1, r.id, r.got, r.sizes[r.next-1])
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

// Close closes the part being read.
func (r *partsReader) Close() error {
	if r.cur == nil {
		return nil
	}
	err := r.cur.Close()
	r.cur = nil
	return err
}

// rateReader passes a PATCH body through, ending it (as a short body, so
// what arrived is stored) once its average rate falls below min bytes per
// second after grace.
type rateReader struct {
	src   io.Reader
	min   int64
	grace time.Duration
	now   func() time.Time
	start time.Time

	n       int64
	tooSlow bool
}

func newRateReader(src io.Reader, min int64, grace time.Duration, now func() time.Time) *rateReader {
	return &rateReader{src: src, min: min, grace: grace, now: now, start: now()}
}

// Read implements io.Reader.
func (r *rateReader) Read(p []byte) (int, error) {
	if r.tooSlow {
		return 0, io.EOF
	}
	n, err := r.src.Read(p)
	r.n += int64(n)
	if r.min > 0 {
		if el := r.now().Sub(r.start); el > r.grace && float64(r.n) < float64(r.min)*el.Seconds() {
			r.tooSlow = true
			return n, io.EOF
		}
	}
	return n, err
}

// failure is the error a too slow transfer ends with, nil otherwise.
func (r *rateReader) failure(st *reqState) error {
	if !r.tooSlow {
		return nil
	}
	return st.fail(easel.Errorf(easel.CodeDeadlineExceeded, "upload slower than %d bytes/s; %d bytes kept, resume from the new offset", r.min, r.n))
}
