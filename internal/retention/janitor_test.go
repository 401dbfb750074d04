package retention_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/assets"
	blobfs "github.com/easelhq/easel/internal/blob/fs"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/quota"
	"github.com/easelhq/easel/internal/retention"
)

type bundle struct {
	meta   *sqlite.Store
	raw    easel.BlobStore // the blob store itself, for checks
	blobs  easel.BlobStore // recording variants, as in the app
	faults *faultyBlobs
	assets *assets.Assets
	quotas *quota.Quotas
	tenant string
	log    *slog.Logger
}

// faultyBlobs fails Delete of the keys in failOnce, once each.
type faultyBlobs struct {
	easel.BlobStore
	mu       sync.Mutex
	failOnce map[string]bool
}

func (f *faultyBlobs) Delete(ctx context.Context, key string) error {
	f.mu.Lock()
	fail := f.failOnce[key]
	delete(f.failOnce, key)
	f.mu.Unlock()
	if fail {
		return errors.New("injected: the node died here")
	}
	return f.BlobStore.Delete(ctx, key)
}

func setup(t *testing.T, defaults quota.Retention) *bundle {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "easel.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { meta.Close() })
	raw, err := blobfs.New(blobfs.Config{Dir: filepath.Join(dir, "blobs")})
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)
	faults := &faultyBlobs{BlobStore: raw, failOnce: map[string]bool{}}
	blobs := quota.RecordVariants(faults, meta, log)
	tenant := easel.Tenant{ID: easel.NewID(), Name: "meitu", CreatedAt: time.Now()}
	require.NoError(t, meta.CreateTenant(ctx, tenant))
	b := &bundle{meta: meta, raw: raw, blobs: blobs, faults: faults, tenant: tenant.ID, log: log}
	b.assets = assets.New(assets.Config{}, meta, blobs, nil, nil, log, nil)
	qc := quota.NewDefaultConfig()
	qc.Defaults.Retention = defaults
	b.quotas = quota.New(qc, meta, log)
	return b
}

func (b *bundle) janitor(batch int) *retention.Janitor {
	return retention.New(retention.Config{BatchSize: batch, LeaseTTL: time.Minute}, b.meta, b.quotas, b.assets, b.blobs, b.log)
}

// asset stores an asset with its original, a level and a variant, the way
// uploads, the worker and delivery put them.
func (b *bundle) asset(t *testing.T, tenant, content string) easel.Asset {
	t.Helper()
	ctx := t.Context()
	a := easel.Asset{ID: easel.NewID(), TenantID: tenant, SHA256: strings.Repeat(content, 64)[:64], Format: "png",
		Width: 1, Height: 1, Pages: 1, Bytes: 100, CreatedAt: time.Now()}
	require.NoError(t, b.meta.CreateAsset(ctx, a))
	require.NoError(t, b.blobs.Put(ctx, easel.OriginalKey(a.SHA256), bytes.NewReader(make([]byte, 100))))
	require.NoError(t, b.blobs.Put(ctx, easel.LevelKey(a.ID, 256, "jpeg"), bytes.NewReader(make([]byte, 30))))
	require.NoError(t, b.meta.SetLevels(ctx, a.ID, []easel.Level{{Side: 256, Width: 1, Height: 1, Format: "jpeg", Bytes: 30}}))
	require.NoError(t, b.blobs.Put(ctx, easel.VariantKey(a.ID, "w_10"), bytes.NewReader(make([]byte, 7))))
	return a
}

// blobKeys lists every key in the blob store.
func (b *bundle) blobKeys(t *testing.T, prefix string) []string {
	t.Helper()
	var keys []string
	require.NoError(t, b.raw.List(t.Context(), prefix, func(bi easel.BlobInfo) error {
		keys = append(keys, bi.Key)
		return nil
	}))
	return keys
}

func (b *bundle) requireGone(t *testing.T, a easel.Asset, originalShared bool) {
	t.Helper()
	_, err := b.meta.GetAsset(t.Context(), a.ID)
	require.True(t, easel.IsNotFound(err), "asset %s row is gone", a.ID)
	require.Empty(t, b.blobKeys(t, easel.LevelPrefix(a.ID)))
	require.Empty(t, b.blobKeys(t, easel.VariantPrefix(a.ID)))
	_, err = b.raw.Stat(t.Context(), easel.OriginalKey(a.SHA256))
	require.Equal(t, !originalShared, easel.IsNotFound(err), "original of %s", a.ID)
}

func (b *bundle) requireKept(t *testing.T, a easel.Asset) {
	t.Helper()
	_, err := b.meta.GetAsset(t.Context(), a.ID)
	require.NoError(t, err)
	require.Len(t, b.blobKeys(t, easel.LevelPrefix(a.ID)), 1)
	require.Len(t, b.blobKeys(t, easel.VariantPrefix(a.ID)), 1)
	_, err = b.raw.Stat(t.Context(), easel.OriginalKey(a.SHA256))
	require.NoError(t, err)
}

// TestJanitorResumesAfterCrash: with a retention of three seconds, seven
// expired assets are deleted in batches of three; the first run dies
// midway (its context cancelled after four assets), then a run dies
// between deleting an asset's row and its original (an injected blob
// failure); the next run finishes: exactly the expired assets are gone,
// every blob of theirs too, each journalled once and done, and the fresh
// asset and a shared original stay.
func TestJanitorResumesAfterCrash(t *testing.T) {
	t.Parallel()
	b := setup(t, quota.Retention{Originals: 3 * time.Second})
	ctx := t.Context()
	var expired []easel.Asset
	for _, c := range "abcdefg" {
		expired = append(expired, b.asset(t, b.tenant, string(c)))
	}
	time.Sleep(3100 * time.Millisecond)
	fresh := b.asset(t, b.tenant, "z")
	sharer := b.asset(t, b.tenant, "a") // shares expired[0]'s original

	// Run 1: killed after four removals.
	rctx, kill := context.WithCancel(ctx)
	var removed atomic.Int32
	killing := removerFunc(func(ctx context.Context, a easel.Asset) error {
		if err := b.assets.Remove(ctx, a); err != nil {
			return err
		}
		if removed.Add(1) == 4 {
			kill()
		}
		return nil
	})
	j1 := retention.New(retention.Config{BatchSize: 3, LeaseTTL: time.Minute}, b.meta, b.quotas, killing, b.blobs, b.log)
	_, err := j1.RunOnce(rctx)
	require.ErrorIs(t, err, context.Canceled)
	require.EqualValues(t, 4, removed.Load())
	pending, err := b.meta.PendingRetention(ctx, 100)
	require.NoError(t, err)
	// The second batch is journalled: its first asset, removed as the
	// janitor died, is not marked done yet, like the two not reached.
	require.Len(t, pending, 3)
	require.ElementsMatch(t, []string{expired[3].ID, expired[4].ID, expired[5].ID},
		[]string{pending[0].AssetID, pending[1].AssetID, pending[2].AssetID})
	_, err = b.meta.GetAsset(ctx, expired[3].ID)
	require.True(t, easel.IsNotFound(err))

	// Run 2: the original of the next asset fails to delete after its row went.
	victim := expired[4]
	b.faults.failOnce[easel.OriginalKey(victim.SHA256)] = true
	_, err = b.janitor(3).RunOnce(ctx)
	require.ErrorContains(t, err, "injected")
	_, err = b.meta.GetAsset(ctx, victim.ID)
	require.True(t, easel.IsNotFound(err), "its row went first")
	_, err = b.raw.Stat(ctx, easel.OriginalKey(victim.SHA256))
	require.NoError(t, err, "its original is still there")

	// Run 3 finishes.
	rep, err := b.janitor(3).RunOnce(ctx)
	require.NoError(t, err)
	require.True(t, rep.Ran)
	require.GreaterOrEqual(t, rep.Originals, 2, "the victim and what run 2 did not reach")

	for i, a := range expired {
		b.requireGone(t, a, i == 0)
	}
	b.requireKept(t, fresh)
	b.requireKept(t, sharer)

	log, err := b.meta.RetentionLog(ctx, b.tenant, 100)
	require.NoError(t, err)
	require.Len(t, log, len(expired), "each journalled once")
	ids := map[string]bool{}
	for _, it := range log {
		require.NotNil(t, it.DoneAt, "item %s done", it.AssetID)
		require.Equal(t, easel.RetentionOriginal, it.Kind)
		ids[it.AssetID] = true
	}
	for _, a := range expired {
		require.True(t, ids[a.ID])
	}
	pending, err = b.meta.PendingRetention(ctx, 100)
	require.NoError(t, err)
	require.Empty(t, pending)

	// Nothing more to do: a run again deletes nothing.
	rep, err = b.janitor(3).RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Originals+rep.Variants)
	u, err := b.meta.StoredUsage(ctx, b.tenant)
	require.NoError(t, err)
	require.Equal(t, easel.StoredUsage{Assets: 2, OriginalBytes: 200, LevelBytes: 60, Variants: 2, VariantBytes: 14}, u)
}

// TestJanitorVariantsOnly: retention.variants deletes stored variants (and
// their records) and keeps the assets, originals and levels; a tenant
// whose policy keeps everything is left alone.
func TestJanitorVariantsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, quota.Retention{})
	ctx := t.Context()
	other := easel.Tenant{ID: easel.NewID(), Name: "other", CreatedAt: time.Now()}
	require.NoError(t, b.meta.CreateTenant(ctx, other))
	keep := time.Second
	require.NoError(t, b.meta.SetTenantPolicy(ctx, easel.TenantPolicy{TenantID: b.tenant, RetentionVariants: &keep}))
	var mine []easel.Asset
	for _, c := range "abcde" {
		mine = append(mine, b.asset(t, b.tenant, string(c)))
	}
	theirs := b.asset(t, other.ID, "x")
	time.Sleep(1100 * time.Millisecond)

	rep, err := b.janitor(2).RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, rep.Variants)
	require.Zero(t, rep.Originals)
	for _, a := range mine {
		require.Empty(t, b.blobKeys(t, easel.VariantPrefix(a.ID)))
		require.Len(t, b.blobKeys(t, easel.LevelPrefix(a.ID)), 1)
		_, err := b.meta.GetAsset(ctx, a.ID)
		require.NoError(t, err)
	}
	b.requireKept(t, theirs)
	u, err := b.meta.StoredUsage(ctx, b.tenant)
	require.NoError(t, err)
	require.Zero(t, u.Variants)
	require.Equal(t, int64(5), u.Assets)
}

// TestJanitorOneNodeAtATime: while one janitor holds the lease, another's
// run does nothing.
func TestJanitorOneNodeAtATime(t *testing.T) {
	t.Parallel()
	b := setup(t, quota.Retention{Originals: time.Second})
	ctx := t.Context()
	ok, err := b.meta.AcquireLease(ctx, retention.LeaseName, "another node", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	a := b.asset(t, b.tenant, "a")
	time.Sleep(1100 * time.Millisecond)
	rep, err := b.janitor(10).RunOnce(ctx)
	require.NoError(t, err)
	require.False(t, rep.Ran)
	b.requireKept(t, a)
	require.NoError(t, b.meta.ReleaseLease(ctx, retention.LeaseName, "another node"))
	rep, err = b.janitor(10).RunOnce(ctx)
	require.NoError(t, err)
	require.True(t, rep.Ran)
	b.requireGone(t, a, false)
}

type removerFunc func(ctx context.Context, a easel.Asset) error

func (f removerFunc) Remove(ctx context.Context, a easel.Asset) error { return f(ctx, a) }
