package processor

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// tailBuffer keeps the last n bytes written to it.
type tailBuffer struct {
	mu      sync.Mutex
	n       int
	buf     []byte
	dropped bool
}

func newTailBuffer(n int) *tailBuffer { return &tailBuffer{n: n} }

// Write implements io.Writer; it never fails.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.n {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.n:]...)
		t.dropped = true
	}
	return len(p), nil
}

// String returns the tail, valid UTF-8, "…" in front when bytes were cut.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	cut := t.dropped
	if len(b) > t.n {
		b, cut = b[len(b)-t.n:], true
	}
	s := strings.ToValidUTF8(string(b), "")
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r != utf8.RuneError || size != 1 {
			break
		}
		s = s[size:]
	}
	if cut {
		return "…" + s
	}
	return s
}
