package failover_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/blobtest"
	"github.com/easelhq/easel/internal/blob/failover"
	"github.com/easelhq/easel/internal/blob/s3"
	"github.com/easelhq/easel/internal/blob/s3/s3test"
)

func s3Store(t *testing.T, srv *s3test.Server, setting string) *s3.Store {
	t.Helper()
	s, err := s3.New(context.Background(), s3.Config{
		Endpoint: srv.Endpoint, Bucket: srv.NewBucket(), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		PathStyle: true, Timeout: 3 * time.Second, MaxAttempts: 2, Setting: setting,
	})
	require.NoError(t, err)
	return s
}

func TestConformanceOnS3(t *testing.T) {
	primary, secondary := s3test.Start(t), s3test.Start(t)
	blobtest.Run(t, func(t *testing.T) easel.BlobStore {
		s, err := failover.New(failover.Config{
			Primary:     s3Store(t, primary, "blob.s3"),
			Secondary:   s3Store(t, secondary, "blob.secondary.s3"),
			JournalPath: filepath.Join(t.TempDir(), "journal"),
		})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	})
}

// TestPrimaryDiesDuringPuts kills the primary's S3 process in the middle of
// 200 puts from 8 goroutines: every put that returned nil must read back,
// and after the primary is back and the reconciler ran, be on both origins.
func TestPrimaryDiesDuringPuts(t *testing.T) {
	const (
		puts    = 200
		workers = 8
		killAt  = 60 // puts done when the primary dies
	)
	psrv, ssrv := s3test.Start(t), s3test.Start(t)
	primary, secondary := s3Store(t, psrv, "blob.s3"), s3Store(t, ssrv, "blob.secondary.s3")
	s, err := failover.New(failover.Config{
		Primary: primary, Secondary: secondary,
		JournalPath: filepath.Join(t.TempDir(), "journal"),
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()

	data := make([][]byte, puts)
	for i := range data {
		data[i] = randomBytes(t, 1000+i*517) // up to ~100 KB
	}
	key := func(i int) string { return fmt.Sprintf("originals/%02x/blob-%03d", i%256, i) }

	var (
		next, done atomic.Int64
		killed     = make(chan struct{})
		errs       = make([]error, puts)
		wg         sync.WaitGroup
	)
	go func() {
		for done.Load() < killAt {
			time.Sleep(time.Millisecond)
		}
		psrv.Stop()
		close(killed)
	}()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= puts {
					return
				}
				errs[i] = s.Put(ctx, key(i), onlyReader{bytes.NewReader(data[i])})
				done.Add(1)
			}
		})
	}
	wg.Wait()
	<-killed

	// With the primary still down, what fell over reads back from the
	// secondary; what the primary took waits for it.
	acked, onSecondary := 0, 0
	for i, err := range errs {
		if err != nil {
			t.Logf("put %d failed: %v", i, err)
			continue
		}
		acked++
		if _, err := secondary.Stat(ctx, key(i)); err == nil {
			onSecondary++
			require.Equal(t, data[i], read(t, s, key(i)), "acknowledged put %d does not read back", i)
		}
	}
	st := s.Stats()
	t.Logf("puts: %d acknowledged of %d; %d on the primary, %d fell over to the secondary, %d failed; %d owed to the primary",
		acked, puts, st.PrimaryPuts, st.SecondaryPuts, st.FailedPuts, st.Pending)
	require.Equal(t, puts, acked, "with the secondary up every put must succeed")
	require.Positive(t, st.SecondaryPuts, "the primary died too late to matter")
	require.Equal(t, int(st.SecondaryPuts), onSecondary)
	require.Equal(t, int64(puts), st.PrimaryPuts+st.SecondaryPuts)

	// The reconciler cannot finish while the primary is down.
	_, err = s.Reconcile(ctx)
	require.Error(t, err)

	psrv.Restart()
	for i := range puts {
		require.Equal(t, data[i], read(t, s, key(i)), "acknowledged put %d does not read back", i)
	}
	p, err := s.Reconcile(ctx)
	require.NoError(t, err)
	t.Logf("reconciler: %d journal entries replayed, %d copied to the primary, %d to the secondary, %d keys walked",
		p.Replayed, p.CopiedToPrimary, p.CopiedToSecondary, p.Walked)
	for i := range puts {
		for name, side := range map[string]easel.BlobStore{"primary": primary, "secondary": secondary} {
			require.Equal(t, data[i], read(t, side, key(i)), "blob %d missing on the %s", i, name)
		}
	}
	require.Zero(t, s.Stats().Pending)
	p, err = s.Reconcile(ctx)
	require.NoError(t, err)
	require.Zero(t, p.CopiedToPrimary+p.CopiedToSecondary, "a second pass copied again")
}

// onlyReader hides every method but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
