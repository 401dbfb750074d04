package failover

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// sourceReader remembers the error its reader returned, so that a failure
// of the caller's data is told apart from a failure of the primary.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// spool passes its source through to the primary and keeps a copy of what
// was read (in memory up to mem bytes, then in a temporary file), so that
// the same data can be replayed to the secondary.
type spool struct {
	src  io.Reader
	mem  int
	dir  string
	buf  bytes.Buffer
	file *os.File
	err  error // failure to keep the copy
}

func newSpool(src io.Reader, mem int, dir string) *spool {
	return &spool{src: src, mem: mem, dir: dir}
}

func (s *spool) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.src.Read(p)
	if n > 0 {
		if werr := s.keep(p[:n]); werr != nil {
			s.err = fmt.Errorf("failover blob: spool: %w", werr)
			return 0, s.err
		}
	}
	return n, err
}

func (s *spool) keep(b []byte) error {
	if s.file == nil && s.buf.Len()+len(b) <= s.mem {
		s.buf.Write(b)
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "easel-spool-*")
		if err != nil {
			return err
		}
		s.file = f
		if _, err := f.Write(s.buf.Bytes()); err != nil {
			return err
		}
		s.buf = bytes.Buffer{}
	}
	_, err := s.file.Write(b)
	return err
}

// replay returns a reader of everything: what was kept, then the rest of
// the source.
func (s *spool) replay() (io.Reader, error) {
	if s.file == nil {
		return io.MultiReader(bytes.NewReader(s.buf.Bytes()), s.src), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	size, err := s.file.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	return io.MultiReader(io.NewSectionReader(s.file, 0, size), s.src), nil
}

// close removes the temporary file.
func (s *spool) close() {
	if s.file != nil {
		_ = s.file.Close()
		_ = os.Remove(s.file.Name())
	}
}
