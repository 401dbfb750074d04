package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// Run runs the conformance suite. newStore must return a new, empty store
// for every call; subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) easel.BlobStore) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s easel.BlobStore)
	}{
		{"PutGetSmall", testPutGetSmall},
		{"PutGetLarge", testPutGetLarge},
		{"PutEmpty", testPutEmpty},
		{"OverwriteReplaces", testOverwriteReplaces},
		{"GetMissing", testGetMissing},
		{"StatMissing", testStatMissing},
		{"DeleteMissing", testDeleteMissing},
		{"DeleteThenGet", testDeleteThenGet},
		{"ListPrefixKeyOrder", testListPrefixKeyOrder},
		{"ListStopsOnError", testListStopsOnError},
		{"ConcurrentPutsSameKey", testConcurrentPutsSameKey},
		{"CancelledPut", testCancelledPut},
		{"FailedPutKeepsOld", testFailedPutKeepsOld},
		{"InvalidKeys", testInvalidKeys},
		{"Ping", testPing},
		{"Range", testRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// get reads the whole blob under key.
func get(t *testing.T, s easel.BlobStore, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

func put(t *testing.T, s easel.BlobStore, key string, data []byte) {
	t.Helper()
	require.NoError(t, s.Put(context.Background(), key, bytes.NewReader(data)))
}

// keys lists the keys under prefix.
func keys(t *testing.T, s easel.BlobStore, prefix string) []string {
	t.Helper()
	var got []string
	err := s.List(context.Background(), prefix, func(bi easel.BlobInfo) error {
		got = append(got, bi.Key)
		return nil
	})
	require.NoError(t, err)
	return got
}

func testPutGetSmall(t *testing.T, s easel.BlobStore) {
	data := []byte("hello, easel")
	put(t, s, "originals/ab/abc", data)
	require.Equal(t, data, get(t, s, "originals/ab/abc"))

	info, err := s.Stat(context.Background(), "originals/ab/abc")
	require.NoError(t, err)
	require.Equal(t, "originals/ab/abc", info.Key)
	require.Equal(t, int64(len(data)), info.Size)
	require.False(t, info.ModTime.IsZero(), "ModTime is zero")
}

func testPutGetLarge(t *testing.T, s easel.BlobStore) {
	data := randomBytes(t, 5<<20+123)
	// A reader without WriterTo, so the store streams it.
	put(t, s, "large.bin", data)
	require.Equal(t, data, get(t, s, "large.bin"))

	info, err := s.Stat(context.Background(), "large.bin")
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), info.Size)
}

func testPutEmpty(t *testing.T, s easel.BlobStore) {
	put(t, s, "empty", nil)
	require.Empty(t, get(t, s, "empty"))
	info, err := s.Stat(context.Background(), "empty")
	require.NoError(t, err)
	require.Zero(t, info.Size)
}

func testOverwriteReplaces(t *testing.T, s easel.BlobStore) {
	put(t, s, "a/b", []byte("first version, longer"))
	put(t, s, "a/b", []byte("second"))
	require.Equal(t, []byte("second"), get(t, s, "a/b"))
	require.Equal(t, []string{"a/b"}, keys(t, s, ""))
}

func testGetMissing(t *testing.T, s easel.BlobStore) {
	_, err := s.Get(context.Background(), "missing/key")
	require.Error(t, err)
	require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)

	// A key whose "directory" holds other blobs is not itself a blob.
	put(t, s, "dir/child", []byte("x"))
	_, err = s.Get(context.Background(), "dir")
	require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)
}

func testStatMissing(t *testing.T, s easel.BlobStore) {
	_, err := s.Stat(context.Background(), "missing/key")
	require.Error(t, err)
	require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)
}

func testDeleteMissing(t *testing.T, s easel.BlobStore) {
	require.NoError(t, s.Delete(context.Background(), "missing/key"))
	require.NoError(t, s.Delete(context.Background(), "missing"))
}

func testDeleteThenGet(t *testing.T, s easel.BlobStore) {
	ctx := context.Background()
	put(t, s, "variants/x/one", []byte("1"))
	put(t, s, "variants/x/two", []byte("2"))
	require.NoError(t, s.Delete(ctx, "variants/x/one"))

	_, err := s.Get(ctx, "variants/x/one")
	require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)
	_, err = s.Stat(ctx, "variants/x/one")
	require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)
	require.Equal(t, []byte("2"), get(t, s, "variants/x/two"))

	require.NoError(t, s.Delete(ctx, "variants/x/two"))
	require.Empty(t, keys(t, s, ""))
	// The key space is usable again after its last blob went.
	put(t, s, "variants/x/one", []byte("again"))
	require.Equal(t, []byte("again"), get(t, s, "variants/x/one"))
}

func testListPrefixKeyOrder(t *testing.T, s easel.BlobStore) {
	// Chosen so that key order differs from a naive directory walk:
	// '-' and '.' sort before '/'.
	all := []string{
		"p/b", "p/a/b", "p/a-c", "p/a.x", "p/a/a/z", "p/a_y",
		"p2/x", "q/a", "pa",
	}
	for i, k := range all {
		put(t, s, k, bytes.Repeat([]byte{'x'}, i+1))
	}

	tests := []struct {
		prefix string
		want   []string
	}{
		{"p/", []string{"p/a-c", "p/a.x", "p/a/a/z", "p/a/b", "p/a_y", "p/b"}},
		{"p/a", []string{"p/a-c", "p/a.x", "p/a/a/z", "p/a/b", "p/a_y"}},
		{"p/a/", []string{"p/a/a/z", "p/a/b"}},
		{"p", []string{"p/a-c", "p/a.x", "p/a/a/z", "p/a/b", "p/a_y", "p/b", "p2/x", "pa"}},
		{"q/a", []string{"q/a"}},
		{"", []string{"p/a-c", "p/a.x", "p/a/a/z", "p/a/b", "p/a_y", "p/b", "p2/x", "pa", "q/a"}},
		{"none/", nil},
		{"p/b/", nil},
		{"../", nil},
	}
	for _, tt := range tests {
		t.Run("prefix="+tt.prefix, func(t *testing.T) {
			require.Equal(t, tt.want, keys(t, s, tt.prefix))
		})
	}

	t.Run("sizes", func(t *testing.T) {
		sizes := map[string]int64{}
		err := s.List(context.Background(), "", func(bi easel.BlobInfo) error {
			sizes[bi.Key] = bi.Size
			return nil
		})
		require.NoError(t, err)
		for i, k := range all {
			require.Equal(t, int64(i+1), sizes[k], "size of %s", k)
		}
	})
}

func testListStopsOnError(t *testing.T, s easel.BlobStore) {
	for _, k := range []string{"l/1", "l/2", "l/3"} {
		put(t, s, k, []byte(k))
	}
	stop := errors.New("stop here")
	var seen []string
	err := s.List(context.Background(), "l/", func(bi easel.BlobInfo) error {
		seen = append(seen, bi.Key)
		return stop
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, []string{"l/1"}, seen)
}

func testConcurrentPutsSameKey(t *testing.T, s easel.BlobStore) {
	const (
		writers = 8
		size    = 256 << 10
		key     = "race/blob"
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A reader checks, while the writers run, that it never sees a mix.
	readerDone := make(chan error, 1)
	go func() {
		readerDone <- func() error {
			for ctx.Err() == nil {
				rc, err := s.Get(context.Background(), key)
				if easel.IsNotFound(err) {
					continue
				}
				if err != nil {
					return err
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				if err := checkUniform(b, size); err != nil {
					return err
				}
			}
			return nil
		}()
	}()

	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			data := bytes.Repeat([]byte{byte('a' + i)}, size)
			// Small reads interleave the writers.
			errs[i] = s.Put(context.Background(), key, io.LimitReader(&chunkReader{data: data, chunk: 4096}, size))
		})
	}
	wg.Wait()
	cancel()
	require.NoError(t, <-readerDone)
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, checkUniform(get(t, s, key), size))
	require.Equal(t, []string{key}, keys(t, s, ""))
}

// checkUniform reports an error unless b has n bytes, all equal.
func checkUniform(b []byte, n int) error {
	if len(b) != n {
		return fmt.Errorf("blob has %d bytes, want %d", len(b), n)
	}
	if strings.Count(string(b), string(b[:1])) != n {
		return errors.New("blob mixes the data of several writers")
	}
	return nil
}

// chunkReader returns data at most chunk bytes at a time.
type chunkReader struct {
	data  []byte
	chunk int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.chunk, len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// cancellingReader yields data and cancels its context after `after` reads;
// it never ends on its own.
type cancellingReader struct {
	after  int
	reads  int
	cancel context.CancelFunc
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.reads++
	if r.reads == r.after {
		r.cancel()
	}
	n := min(len(p), 64<<10)
	for i := range n {
		p[i] = 'z'
	}
	return n, nil
}

func testCancelledPut(t *testing.T, s easel.BlobStore) {
	t.Run("during copy", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		err := s.Put(ctx, "cancel/during", &cancellingReader{after: 3, cancel: cancel})
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Stat(context.Background(), "cancel/during")
		require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)
		require.Empty(t, keys(t, s, ""), "a cancelled put left something visible")
	})
	t.Run("before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Put(ctx, "cancel/before", strings.NewReader("data"))
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Stat(context.Background(), "cancel/before")
		require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)
		require.Empty(t, keys(t, s, ""))
	})
}

// failingReader yields some data, then fails.
type failingReader struct {
	sent bool
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.sent {
		return 0, r.err
	}
	r.sent = true
	return copy(p, "partial data"), nil
}

func testFailedPutKeepsOld(t *testing.T, s easel.BlobStore) {
	put(t, s, "keep", []byte("old"))
	boom := errors.New("upload broke")
	err := s.Put(context.Background(), "keep", &failingReader{err: boom})
	require.ErrorIs(t, err, boom)
	require.Equal(t, []byte("old"), get(t, s, "keep"))
	require.Equal(t, []string{"keep"}, keys(t, s, ""))
}

func testInvalidKeys(t *testing.T, s easel.BlobStore) {
	ctx := context.Background()
	invalid := []string{
		"", "/abs", "/", "a//b", "a/", "../x", "a/../b", "..", ".", "./a",
		`a\b`, `..\x`, "A", "a b", "a/B", "é", "a\x00b", "a:b", "a%2fb",
	}
	for _, key := range invalid {
		t.Run("key="+key, func(t *testing.T) {
			isInvalid := func(err error) {
				t.Helper()
				require.Error(t, err)
				require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "got %v", err)
			}
			isInvalid(s.Put(ctx, key, strings.NewReader("x")))
			_, err := s.Get(ctx, key)
			isInvalid(err)
			_, err = s.Stat(ctx, key)
			isInvalid(err)
			isInvalid(s.Delete(ctx, key))
		})
	}
	require.Empty(t, keys(t, s, ""))
}

func testPing(t *testing.T, s easel.BlobStore) {
	require.NoError(t, s.Ping(context.Background()))
	require.Empty(t, keys(t, s, ""), "Ping left a visible blob")
}
