package failover_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/blobtest"
	"github.com/easelhq/easel/internal/blob/failover"
	"github.com/easelhq/easel/internal/blob/fs"
)

func newFS(t *testing.T) *fs.Store {
	t.Helper()
	s, err := fs.New(fs.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) easel.BlobStore {
		s, err := failover.New(failover.Config{
			Primary: newFS(t), Secondary: newFS(t),
			JournalPath: filepath.Join(t.TempDir(), "journal"),
		})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	})
}

// flaky wraps a store; its hooks, when set, replace the wrapped calls.
type flaky struct {
	easel.BlobStore
	put    func(ctx context.Context, key string, r io.Reader) error
	delete func(ctx context.Context, key string) error
}

func (f *flaky) Put(ctx context.Context, key string, r io.Reader) error {
	if f.put != nil {
		return f.put(ctx, key, r)
	}
	return f.BlobStore.Put(ctx, key, r)
}

func (f *flaky) Delete(ctx context.Context, key string) error {
	if f.delete != nil {
		return f.delete(ctx, key)
	}
	return f.BlobStore.Delete(ctx, key)
}

var errDown = errors.New("origin down")

// readThenFail consumes n bytes of r, then fails as a broken origin would.
func readThenFail(n int64) func(context.Context, string, io.Reader) error {
	return func(_ context.Context, _ string, r io.Reader) error {
		_, _ = io.CopyN(io.Discard, r, n)
		return errDown
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func read(t *testing.T, s easel.BlobStore, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

func TestPutFallsOverAndReconciles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int
		consumed int64 // bytes the failing primary reads first
		spoolMem int
	}{
		{"fails before reading", 10_000, 0, 0},
		{"fails midway, spool in memory", 100_000, 60_000, 0},
		{"fails midway, spool on disk", 100_000, 60_000, 1000},
		{"fails after reading all", 100_000, 200_000, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			primaryFS, secondary := newFS(t), newFS(t)
			primary := &flaky{BlobStore: primaryFS, put: readThenFail(tt.consumed)}
			s, err := failover.New(failover.Config{Primary: primary, Secondary: secondary, SpoolMemory: tt.spoolMem, SpoolDir: t.TempDir()})
			require.NoError(t, err)
			data := randomBytes(t, tt.size)

			require.NoError(t, s.Put(ctx, "a/b", bytes.NewReader(data)))
			require.Equal(t, data, read(t, secondary, "a/b"))
			require.Equal(t, data, read(t, s, "a/b"))
			_, err = primaryFS.Stat(ctx, "a/b")
			require.True(t, easel.IsNotFound(err))
			st := s.Stats()
			require.Equal(t, int64(1), st.SecondaryPuts)
			require.Equal(t, int64(1), st.Pending)

			primary.put = nil // the primary is back
			p, err := s.Reconcile(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, p.CopiedToPrimary)
			require.Equal(t, data, read(t, primaryFS, "a/b"))
			require.Zero(t, s.Stats().Pending)

			// A second pass has nothing to do.
			p, err = s.Reconcile(ctx)
			require.NoError(t, err)
			require.Equal(t, failover.Pass{Walked: 1}, p)
		})
	}
}

func TestPutDoesNotFallOver(t *testing.T) {
	t.Parallel()
	boom := errors.New("client went away")
	tests := []struct {
		name    string
		primary func(context.Context, string, io.Reader) error
		body    io.Reader
		ctx     func() context.Context
		wantErr error
	}{
		{"source fails", nil, io.MultiReader(strings.NewReader("abc"), iotestErr(boom)), context.Background, boom},
		{"caller cancelled", readThenFail(1), strings.NewReader("abc"), func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
		{"bad key", func(context.Context, string, io.Reader) error {
			return easel.Errorf(easel.CodeInvalidArgument, "bad key")
		}, strings.NewReader("abc"), context.Background, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secondary := newFS(t)
			s, err := failover.New(failover.Config{Primary: &flaky{BlobStore: newFS(t), put: tt.primary}, Secondary: secondary})
			require.NoError(t, err)
			err = s.Put(tt.ctx(), "k", tt.body)
			require.Error(t, err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			_, err = secondary.Stat(context.Background(), "k")
			require.True(t, easel.IsNotFound(err), "the secondary got a write: %v", err)
			require.Zero(t, s.Stats().SecondaryPuts)
		})
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func iotestErr(err error) io.Reader { return errReader{err} }

func TestBothDown(t *testing.T) {
	t.Parallel()
	s, err := failover.New(failover.Config{
		Primary:   &flaky{BlobStore: newFS(t), put: readThenFail(0)},
		Secondary: &flaky{BlobStore: newFS(t), put: readThenFail(2)},
	})
	require.NoError(t, err)
	err = s.Put(context.Background(), "k", strings.NewReader("data"))
	require.ErrorIs(t, err, errDown)
	require.Equal(t, easel.CodeUnavailable, easel.ErrorCode(err), "a stable code the API maps to 503")
	require.Equal(t, int64(1), s.Stats().FailedPuts)
	_, err = s.Stat(context.Background(), "k")
	require.True(t, easel.IsNotFound(err))
}

func TestDeleteWithOneSideDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, down := range []string{"primary", "secondary"} {
		t.Run(down, func(t *testing.T) {
			t.Parallel()
			pfs, sfs := newFS(t), newFS(t)
			p, sec := &flaky{BlobStore: pfs}, &flaky{BlobStore: sfs}
			s, err := failover.New(failover.Config{Primary: p, Secondary: sec})
			require.NoError(t, err)
			require.NoError(t, pfs.Put(ctx, "k", strings.NewReader("x")))
			require.NoError(t, sfs.Put(ctx, "k", strings.NewReader("x")))

			broken := map[string]*flaky{"primary": p, "secondary": sec}[down]
			broken.delete = func(context.Context, string) error { return errDown }
			require.NoError(t, s.Delete(ctx, "k"))
			_, err = s.Get(ctx, "k")
			require.True(t, easel.IsNotFound(err), "a deleted blob still reads: %v", err)
			var keys []string
			require.NoError(t, s.List(ctx, "", func(bi easel.BlobInfo) error { keys = append(keys, bi.Key); return nil }))
			require.Empty(t, keys)

			// The reconciler does not copy it back, and deletes it once it can.
			pass, err := s.Reconcile(ctx)
			require.Error(t, err)
			require.Zero(t, pass.CopiedToPrimary+pass.CopiedToSecondary)
			broken.delete = nil
			_, err = s.Reconcile(ctx)
			require.NoError(t, err)
			for _, st := range []easel.BlobStore{pfs, sfs} {
				_, err = st.Stat(ctx, "k")
				require.True(t, easel.IsNotFound(err))
			}
			require.Zero(t, s.Stats().Pending)
		})
	}
}

func TestJournalSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	journal := filepath.Join(t.TempDir(), "journal")
	pfs, sfs := newFS(t), newFS(t)
	s, err := failover.New(failover.Config{Primary: &flaky{BlobStore: pfs, put: readThenFail(0)}, Secondary: sfs, JournalPath: journal})
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, s.Put(ctx, "k"+strconv.Itoa(i), strings.NewReader("x")))
	}
	require.NoError(t, s.Close())

	s, err = failover.New(failover.Config{Primary: pfs, Secondary: sfs, JournalPath: journal})
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, int64(3), s.Stats().Pending)
	p, err := s.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, p.Replayed)
	for i := range 3 {
		require.Equal(t, []byte("x"), read(t, pfs, "k"+strconv.Itoa(i)))
	}
}

func TestWalkResumesFromCursor(t *testing.T) {
	t.Parallel()
	const n = 400
	journal := filepath.Join(t.TempDir(), "journal")
	pfs, sfs := newFS(t), newFS(t)
	for i := range n {
		require.NoError(t, pfs.Put(context.Background(), "k/"+strconv.Itoa(1000+i), strings.NewReader("x")))
	}
	// The first pass dies after 300 copies, past the first saved cursor.
	ctx, cancel := context.WithCancel(context.Background())
	copies := 0
	sec := &flaky{BlobStore: sfs}
	sec.put = func(c context.Context, key string, r io.Reader) error {
		if copies++; copies == 300 {
			cancel()
		}
		return sfs.Put(c, key, r)
	}
	s, err := failover.New(failover.Config{Primary: pfs, Secondary: sec, JournalPath: journal})
	require.NoError(t, err)
	p1, err := s.Reconcile(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, s.Close())

	s, err = failover.New(failover.Config{Primary: pfs, Secondary: sfs, JournalPath: journal})
	require.NoError(t, err)
	defer s.Close()
	p2, err := s.Reconcile(context.Background())
	require.NoError(t, err)
	t.Logf("first pass copied %d, the resumed one %d more", p1.CopiedToSecondary, p2.CopiedToSecondary)
	require.Less(t, p2.Walked, n, "the second pass started over")
	var got int
	require.NoError(t, sfs.List(context.Background(), "", func(easel.BlobInfo) error { got++; return nil }))
	require.Equal(t, n, got)
}

func TestCollector(t *testing.T) {
	t.Parallel()
	s, err := failover.New(failover.Config{Primary: &flaky{BlobStore: newFS(t), put: readThenFail(0)}, Secondary: newFS(t)})
	require.NoError(t, err)
	require.NoError(t, s.Put(context.Background(), "k", strings.NewReader("x")))
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(s.Collector()))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP easel_blob_failover_secondary_puts_total Puts that fell over to the secondary origin.
# TYPE easel_blob_failover_secondary_puts_total counter
easel_blob_failover_secondary_puts_total 1
# HELP easel_blob_failover_journal_pending Journal entries still owed.
# TYPE easel_blob_failover_journal_pending gauge
easel_blob_failover_journal_pending 1
`), "easel_blob_failover_secondary_puts_total", "easel_blob_failover_journal_pending"))
}

func TestJournalIsExclusive(t *testing.T) {
	t.Parallel()
	journal := filepath.Join(t.TempDir(), "journal")
	cfg := failover.Config{Primary: newFS(t), Secondary: newFS(t), JournalPath: journal}
	s, err := failover.New(cfg)
	require.NoError(t, err)
	_, err = failover.New(cfg)
	require.ErrorContains(t, err, "in use by another process")
	require.NoError(t, s.Close())
	s, err = failover.New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func TestSlowPrimaryFallsOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	primary := &flaky{BlobStore: newFS(t), put: func(ctx context.Context, _ string, r io.Reader) error {
		_, _ = io.CopyN(io.Discard, r, 3) // a primary that hangs mid-upload
		<-ctx.Done()
		return ctx.Err()
	}}
	secondary := newFS(t)
	s, err := failover.New(failover.Config{Primary: primary, Secondary: secondary, PrimaryTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, s.Put(ctx, "k", strings.NewReader("slow data")))
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, []byte("slow data"), read(t, secondary, "k"))
	require.Equal(t, int64(1), s.Stats().SecondaryPuts)
}

func TestJournalIsCompacted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	journal := filepath.Join(t.TempDir(), "journal")
	pfs := newFS(t)
	primary := &flaky{BlobStore: pfs, put: readThenFail(0)}
	s, err := failover.New(failover.Config{Primary: primary, Secondary: newFS(t), JournalPath: journal})
	require.NoError(t, err)
	defer s.Close()
	for i := range 600 {
		require.NoError(t, s.Put(ctx, "k/"+strconv.Itoa(1000+i), strings.NewReader("x")))
	}
	primary.put = nil
	_, err = s.Reconcile(ctx)
	require.NoError(t, err)
	b, err := os.ReadFile(journal)
	require.NoError(t, err)
	require.Equal(t, 1, bytes.Count(b, []byte("\n")), "journal not compacted: %s", b)
}
