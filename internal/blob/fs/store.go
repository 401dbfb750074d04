package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/easelhq/easel"
)

// staleTempAge is how old a temporary file must be before New removes it as
// the leftover of a crashed writer. Writers in other processes sharing Dir
// may hold younger ones.
const staleTempAge = 24 * time.Hour

// Config configures a Store.
type Config struct {
	// Dir is the directory that holds the blobs. It is created if missing.
	Dir string
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.Dir == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "fs blob: Dir is empty")
	}
	return nil
}

// Store is an easel.BlobStore on a local directory. It is safe for concurrent
// use, also by several processes sharing the directory.
type Store struct {
	dir    string // absolute, cleaned
	tmpDir string // dir/.tmp
}

var _ easel.BlobStore = (*Store)(nil)

// New returns a Store on cfg.Dir. It creates the directory if needed, checks
// that it is writable and removes temporary files left by crashed writers.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("fs blob: resolve %q: %w", cfg.Dir, err)
	}
	s := &Store{dir: dir, tmpDir: filepath.Join(dir, tmpDirName)}
	if err := os.MkdirAll(s.tmpDir, 0o755); err != nil {
		return nil, fmt.Errorf("fs blob: create %q: %w", s.tmpDir, err)
	}
	if err := s.probe(); err != nil {
		return nil, err
	}
	s.removeStaleTemps(time.Now().Add(-staleTempAge))
	return s, nil
}

// Path returns the file that holds the blob under key, for callers that serve
// files without copying them. The file may not exist.
func (s *Store) Path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

// Put stores r under key. The data is written to a temporary file, synced and
// renamed over the target, so readers never see a partial blob. If ctx is
// cancelled or r fails, the temporary file is removed and nothing is stored.
// Cancellation is noticed between reads from r.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (err error) {
	target, err := s.Path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fs blob: put %q: %w", key, err)
	}
	tmp, err := os.CreateTemp(s.tmpDir, "put-*")
	if errors.Is(err, iofs.ErrNotExist) {
		// The temp dir was removed under us; recreate it once.
		if err = os.MkdirAll(s.tmpDir, 0o755); err == nil {
			tmp, err = os.CreateTemp(s.tmpDir, "put-*")
		}
	}
	if err != nil {
		return fmt.Errorf("fs blob: put %q: create temp: %w", key, err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				_ = tmp.Close()
			}
			_ = os.Remove(tmp.Name())
		}
	}()

	buf := make([]byte, 256<<10)
	if _, err := io.CopyBuffer(tmp, &ctxReader{ctx: ctx, r: r}, buf); err != nil {
		return fmt.Errorf("fs blob: put %q: write: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fs blob: put %q: %w", key, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("fs blob: put %q: chmod: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fs blob: put %q: sync: %w", key, err)
	}
	closed = true
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fs blob: put %q: close: %w", key, err)
	}
	if err := s.rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("fs blob: put %q: %w", key, err)
	}
	syncDir(filepath.Dir(target))
	return nil
}

// rename moves the finished temp file to target, creating parent directories.
// A concurrent Delete may remove an empty parent between MkdirAll and Rename,
// so that case is retried a few times.
func (s *Store) rename(tmp, target string) error {
	parent := filepath.Dir(target)
	var err error
	for range 5 {
		if err = os.MkdirAll(parent, 0o755); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EEXIST) {
				return easel.WrapError(easel.CodeInvalidArgument, err, "a blob exists where a directory of the key is needed")
			}
			return fmt.Errorf("create parent: %w", err)
		}
		if err = os.Rename(tmp, target); err == nil {
			return nil
		}
		if !errors.Is(err, iofs.ErrNotExist) {
			if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY) {
				return easel.WrapError(easel.CodeInvalidArgument, err, "key is the directory of other blobs")
			}
			return fmt.Errorf("rename: %w", err)
		}
	}
	return fmt.Errorf("rename: %w", err)
}

// Get opens the blob under key. The returned value is an *os.File.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	name, err := s.Path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fs blob: get %q: %w", key, err)
	}
	f, err := os.Open(name)
	if err != nil {
		if isMissing(err) {
			return nil, easel.Errorf(easel.CodeNotFound, "blob %s not found", key)
		}
		return nil, fmt.Errorf("fs blob: get %q: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("fs blob: get %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, easel.Errorf(easel.CodeNotFound, "blob %s not found", key)
	}
	return f, nil
}

// Stat describes the blob under key.
func (s *Store) Stat(ctx context.Context, key string) (easel.BlobInfo, error) {
	name, err := s.Path(key)
	if err != nil {
		return easel.BlobInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return easel.BlobInfo{}, fmt.Errorf("fs blob: stat %q: %w", key, err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		if isMissing(err) {
			return easel.BlobInfo{}, easel.Errorf(easel.CodeNotFound, "blob %s not found", key)
		}
		return easel.BlobInfo{}, fmt.Errorf("fs blob: stat %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return easel.BlobInfo{}, easel.Errorf(easel.CodeNotFound, "blob %s not found", key)
	}
	return easel.BlobInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes the blob under key and then, best-effort, the directories
// above it that became empty. Deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.Path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fs blob: delete %q: %w", key, err)
	}
	fi, err := os.Lstat(name)
	if err != nil {
		if isMissing(err) {
			return nil
		}
		return fmt.Errorf("fs blob: delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return nil // a directory of other blobs, not a blob
	}
	if err := os.Remove(name); err != nil && !isMissing(err) {
		return fmt.Errorf("fs blob: delete %q: %w", key, err)
	}
	s.removeEmptyParents(filepath.Dir(name))
	return nil
}

// removeEmptyParents removes dir and its ancestors below s.dir while they are
// empty. Failures (typically "directory not empty") end it silently.
func (s *Store) removeEmptyParents(dir string) {
	for dir != s.dir && strings.HasPrefix(dir, s.dir+string(filepath.Separator)) {
		if err := syscall.Rmdir(dir); err != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// Ping writes and removes a probe file.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fs blob: ping: %w", err)
	}
	if err := os.MkdirAll(s.tmpDir, 0o755); err != nil {
		return fmt.Errorf("fs blob: ping: %w", err)
	}
	return s.probe()
}

func (s *Store) probe() error {
	f, err := os.CreateTemp(s.tmpDir, "probe-*")
	if err != nil {
		return fmt.Errorf("fs blob: %q is not writable: %w", s.dir, err)
	}
	_, werr := f.Write([]byte("easel"))
	cerr := f.Close()
	rerr := os.Remove(f.Name())
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return fmt.Errorf("fs blob: %q is not writable: %w", s.dir, err)
	}
	return nil
}

// removeStaleTemps removes temporary files last modified before cutoff.
func (s *Store) removeStaleTemps(cutoff time.Time) {
	entries, err := os.ReadDir(s.tmpDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
			_ = os.Remove(filepath.Join(s.tmpDir, e.Name()))
		}
	}
}

// isMissing reports whether err means the file does not exist, including the
// case where a parent path component is a file.
func isMissing(err error) bool {
	return errors.Is(err, iofs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// syncDir fsyncs a directory so a rename in it is durable. Best-effort.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
