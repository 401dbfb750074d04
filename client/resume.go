package client

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ResumeStore remembers the URL of unfinished tus uploads by fingerprint.
// Get reports false for an unknown fingerprint; Delete of an unknown one is
// not an error. Implementations are safe for concurrent use.
type ResumeStore interface {
	Get(fingerprint string) (string, bool)
	Put(fingerprint, uploadURL string) error
	Delete(fingerprint string) error
}

// DirStore is a ResumeStore keeping one small file per upload in a
// directory, so that separate processes share it.
type DirStore struct{ dir string }

var _ ResumeStore = (*DirStore)(nil)

// NewDirStore returns a store in dir, created if needed.
func NewDirStore(dir string) (*DirStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("client: resume store %q: %w", dir, err)
	}
	return &DirStore{dir: dir}, nil
}

// DefaultResumeDir is the resume store of the user's cache directory
// (~/.cache/easel/uploads on Linux).
func DefaultResumeDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("client: resume store: %w", err)
	}
	return filepath.Join(d, "easel", "uploads"), nil
}

func (s *DirStore) file(fp string) string {
	h := sha256.Sum256([]byte(fp))
	return filepath.Join(s.dir, hex.EncodeToString(h[:16]))
}

// Get returns the upload URL remembered for fp.
func (s *DirStore) Get(fp string) (string, bool) {
	b, err := os.ReadFile(s.file(fp))
	if err != nil {
		return "", false
	}
	stored, u, ok := strings.Cut(string(b), "\n")
	if !ok || stored != fp || u == "" {
		return "", false
	}
	return strings.TrimSpace(u), true
}

// Put remembers uploadURL for fp (written to a temporary file, then renamed).
func (s *DirStore) Put(fp, uploadURL string) error {
	if strings.Contains(fp, "\n") {
		return fmt.Errorf("client: resume store: fingerprint has a newline")
	}
	tmp, err := os.CreateTemp(s.dir, ".put-*")
	if err != nil {
		return fmt.Errorf("client: resume store: %w", err)
	}
	_, werr := tmp.WriteString(fp + "\n" + uploadURL + "\n")
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("client: resume store: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.file(fp)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("client: resume store: %w", err)
	}
	return nil
}

// Delete forgets fp.
func (s *DirStore) Delete(fp string) error {
	if err := os.Remove(s.file(fp)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("client: resume store: %w", err)
	}
	return nil
}
