package processor

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
)

// progressWriter reads a command's stdout for lines "progress: <fraction>"
// (0..1) and reports them; everything else is discarded. Lines longer than
// 256 bytes are skipped.
type progressWriter struct {
	mu     sync.Mutex
	report func(float64)
	line   []byte
	skip   bool // the current line is too long
	last   float64
}

// Write implements io.Writer; it never fails.
func (w *progressWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !w.skip {
			w.line = append(w.line, chunk...)
			if len(w.line) > 256 {
				w.skip, w.line = true, w.line[:0]
			}
		}
		if i < 0 {
			break
		}
		if !w.skip {
			w.handle(string(w.line))
		}
		w.line, w.skip, p = w.line[:0], false, p[i+1:]
	}
	return n, nil
}

func (w *progressWriter) handle(line string) {
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "progress:")
	if !ok || w.report == nil {
		return
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 1 || f < w.last {
		return
	}
	w.last = f
	w.report(f)
}
