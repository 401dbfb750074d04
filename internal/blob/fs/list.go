package fs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/easelhq/easel"
)

// List calls fn for every blob whose key starts with prefix, in key order
// (byte-wise, as strings compare). Temporary files are never listed. The
// listing is not a snapshot: blobs put or deleted meanwhile may or may not
// appear.
func (s *Store) List(ctx context.Context, prefix string, fn func(easel.BlobInfo) error) error {
	if !validPrefix(prefix) {
		return nil // no valid key starts with it
	}
	// Start at the deepest directory the prefix names completely.
	base := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = prefix[:i]
		if ValidateKey(base) != nil {
			return nil
		}
	}
	if err := s.walk(ctx, base, prefix, fn); err != nil {
		return err
	}
	return nil
}

type listEntry struct {
	name  string
	isDir bool
	sort  string // name, with "/" appended for directories
}

// walk lists the directory holding keys that start with dirKey+"/" (the root
// when dirKey is empty).
func (s *Store) walk(ctx context.Context, dirKey, prefix string, fn func(easel.BlobInfo) error) error {
	dir := filepath.Join(s.dir, filepath.FromSlash(dirKey))
	dirEntries, err := os.ReadDir(dir)
	if err != nil {
		if isMissing(err) {
			return nil // removed meanwhile, or never there
		}
		return fmt.Errorf("fs blob: list %q: %w", prefix, err)
	}
	// os.ReadDir sorts by name, but "a/b" sorts after "a-c" and "a.c" as a
	// key, so directories sort as name+"/".
	entries := make([]listEntry, 0, len(dirEntries))
	for _, e := range dirEntries {
		name := e.Name()
		if validateSegment(name) != nil || dirKey == "" && name == tmpDirName {
			continue
		}
		switch {
		case e.IsDir():
			entries = append(entries, listEntry{name: name, isDir: true, sort: name + "/"})
		case e.Type().IsRegular():
			entries = append(entries, listEntry{name: name, sort: name})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].sort < entries[j].sort })

	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("fs blob: list %q: %w", prefix, err)
		}
		key := e.name
		if dirKey != "" {
			key = dirKey + "/" + e.name
		}
		if e.isDir {
			sub := key + "/"
			if strings.HasPrefix(sub, prefix) || strings.HasPrefix(prefix, sub) {
				if err := s.walk(ctx, key, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, e.name))
		if err != nil {
			if isMissing(err) {
				continue // deleted meanwhile
			}
			return fmt.Errorf("fs blob: list %q: %w", prefix, err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if err := fn(easel.BlobInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}
