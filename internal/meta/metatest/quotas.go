package metatest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// QuotaStore is a backend that keeps tenant policies, usage and the
// retention journal beside the metadata.
type QuotaStore interface {
	easel.MetaStore
	easel.LevelStore
	easel.QuotaStore
	easel.RetentionStore
}

// RunQuotas runs the quotas and retention part of the conformance suite.
// newStore must return a new, empty store for every call; subtests run in
// parallel and close their store when done.
func RunQuotas(t *testing.T, newStore func(t *testing.T) QuotaStore) {
	t.Helper()
	runCases(t, newStore, []testCase[QuotaStore]{
		{"TenantPolicy", testTenantPolicy},
		{"StoredUsage", testStoredUsage},
		{"UploadAndRenderCounts", testUploadAndRenderCounts},
		{"Lease", testLease},
		{"Expired", testExpired},
		{"RetentionJournal", testRetentionJournal},
	})
}

func testTenantPolicy(t *testing.T, s QuotaStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "policy")
	p, err := s.TenantPolicy(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, easel.TenantPolicy{TenantID: tn.ID}, p, "no policy: every default")

	want := easel.TenantPolicy{TenantID: tn.ID, MaxStoredBytes: ptr(int64(1 << 30)), UploadsPerMinute: ptr(int64(0)),
		RendersPerSecond: ptr(2.5), RenderBurst: ptr(int64(5)), RetentionOriginals: ptr(4380 * time.Hour), UpdatedAt: at(1)}
	require.NoError(t, s.SetTenantPolicy(ctx, want))
	p, err = s.TenantPolicy(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, want, p)

	// Replaced as a whole: a field left nil goes back to the default.
	want = easel.TenantPolicy{TenantID: tn.ID, RetentionVariants: ptr(720 * time.Hour), UpdatedAt: at(2)}
	require.NoError(t, s.SetTenantPolicy(ctx, want))
	p, err = s.TenantPolicy(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, want, p)

	requireCode(t, easel.CodeNotFound, s.SetTenantPolicy(ctx, easel.TenantPolicy{TenantID: easel.NewID(), UpdatedAt: at(1)}))
	requireCode(t, easel.CodeInvalidArgument, s.SetTenantPolicy(ctx, easel.TenantPolicy{TenantID: tn.ID, MaxStoredBytes: ptr(int64(-1))}))
	requireCode(t, easel.CodeInvalidArgument, s.SetTenantPolicy(ctx, easel.TenantPolicy{TenantID: tn.ID, RetentionOriginals: ptr(-time.Second)}))
}

func testStoredUsage(t *testing.T, s QuotaStore) {
	ctx := context.Background()
	tn, other := createTenant(t, s, "usage"), createTenant(t, s, "other")
	a, b := newAsset(tn.ID, sha("a")), newAsset(tn.ID, sha("b"))
	b.Bytes = 1000
	require.NoError(t, s.CreateAsset(ctx, a))
	require.NoError(t, s.CreateAsset(ctx, b))
	require.NoError(t, s.CreateAsset(ctx, newAsset(other.ID, sha("a"))))
	require.NoError(t, s.SetLevels(ctx, a.ID, []easel.Level{{Side: 256, Width: 256, Height: 192, Format: "jpeg", Bytes: 300}}))
	v := easel.StoredVariant{Key: easel.VariantKey(a.ID, "w_10"), AssetID: a.ID, Bytes: 50, CreatedAt: at(1)}
	require.NoError(t, s.RecordVariant(ctx, v))
	require.NoError(t, s.RecordVariant(ctx, easel.StoredVariant{Key: easel.VariantKey(b.ID, "w_10"), AssetID: b.ID, Bytes: 7, CreatedAt: at(1)}))
	v.Bytes = 60 // written again: replaced
	require.NoError(t, s.RecordVariant(ctx, v))
	// A variant of a deleted asset is not recorded.
	require.NoError(t, s.RecordVariant(ctx, easel.StoredVariant{Key: "variants/x/y", AssetID: easel.NewID(), Bytes: 9, CreatedAt: at(1)}))

	u, err := s.StoredUsage(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, easel.StoredUsage{Assets: 2, OriginalBytes: 12345 + 1000, LevelBytes: 300, Variants: 2, VariantBytes: 67}, u)
	require.Equal(t, int64(12345+1000+300+67), u.Total())

	require.NoError(t, s.ForgetVariant(ctx, easel.VariantKey(b.ID, "w_10")))
	require.NoError(t, s.ForgetVariant(ctx, "variants/none/none"))
	_, err = s.DeleteAsset(ctx, a.ID) // its variants go with it
	require.NoError(t, err)
	u, err = s.StoredUsage(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, easel.StoredUsage{Assets: 1, OriginalBytes: 1000}, u)
}

func testUploadAndRenderCounts(t *testing.T, s QuotaStore) {
	ctx := context.Background()
	tn, other := createTenant(t, s, "counts"), createTenant(t, s, "other")
	for _, sec := range []int{0, 10, 59, 61} {
		require.NoError(t, s.RecordUpload(ctx, tn.ID, 100, at(sec)))
	}
	require.NoError(t, s.RecordUpload(ctx, other.ID, 100, at(30)))
	n, oldest, err := s.CountUploads(ctx, tn.ID, at(10))
	require.NoError(t, err)
	require.Equal(t, int64(3), n)
	require.True(t, oldest.Equal(at(10)), "oldest %v", oldest)
	n, oldest, err = s.CountUploads(ctx, tn.ID, at(62))
	require.NoError(t, err)
	require.Zero(t, n)
	require.True(t, oldest.IsZero())

	minute := base.Truncate(time.Minute)
	require.NoError(t, s.AddRenders(ctx, tn.ID, minute.Add(5*time.Second), 3))
	require.NoError(t, s.AddRenders(ctx, tn.ID, minute.Add(50*time.Second), 4))
	require.NoError(t, s.AddRenders(ctx, tn.ID, minute.Add(70*time.Second), 1))
	require.NoError(t, s.AddRenders(ctx, other.ID, minute, 100))
	r, err := s.CountRenders(ctx, tn.ID, minute)
	require.NoError(t, err)
	require.Equal(t, int64(8), r)
	r, err = s.CountRenders(ctx, tn.ID, minute.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, int64(1), r)

	require.NoError(t, s.PurgeUsage(ctx, minute.Add(time.Minute)))
	n, _, err = s.CountUploads(ctx, tn.ID, at(-100))
	require.NoError(t, err)
	require.Equal(t, int64(countAfter([]int{0, 10, 59, 61}, minute.Add(time.Minute))), n)
	r, err = s.CountRenders(ctx, tn.ID, minute.Add(-time.Hour))
	require.NoError(t, err)
	require.Equal(t, int64(1), r)
}

// countAfter counts the seconds after base that fall at or after t.
func countAfter(secs []int, t time.Time) int {
	n := 0
	for _, s := range secs {
		if !at(s).Before(t) {
			n++
		}
	}
	return n
}

func testLease(t *testing.T, s QuotaStore) {
	ctx := context.Background()
	ok, err := s.AcquireLease(ctx, "janitor", "a", time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.AcquireLease(ctx, "janitor", "b", time.Hour)
	require.NoError(t, err)
	require.False(t, ok, "held by a")
	ok, err = s.AcquireLease(ctx, "janitor", "a", time.Hour)
	require.NoError(t, err)
	require.True(t, ok, "renewed by its holder")
	ok, err = s.AcquireLease(ctx, "other", "b", time.Hour)
	require.NoError(t, err)
	require.True(t, ok, "leases are by name")

	require.NoError(t, s.ReleaseLease(ctx, "janitor", "b"), "not b's: nothing happens")
	ok, err = s.AcquireLease(ctx, "janitor", "b", time.Hour)
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, s.ReleaseLease(ctx, "janitor", "a"))
	ok, err = s.AcquireLease(ctx, "janitor", "b", time.Millisecond)
	require.NoError(t, err)
	require.True(t, ok, "released")
	time.Sleep(5 * time.Millisecond)
	ok, err = s.AcquireLease(ctx, "janitor", "a", time.Hour)
	require.NoError(t, err)
	require.True(t, ok, "b's lease expired")

	// Racing holders: exactly one wins.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AcquireLease(ctx, "race", string(rune('a'+i)), time.Hour)
			require.NoError(t, err)
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, wins)
}

func testExpired(t *testing.T, s QuotaStore) {
	ctx := context.Background()
	tn, other := createTenant(t, s, "expired"), createTenant(t, s, "other")
	var ids []string
	for i := range 5 {
		a := newAsset(tn.ID, sha(string(rune('a'+i))))
		a.CreatedAt = at(10 - i) // created newest first
		require.NoError(t, s.CreateAsset(ctx, a))
		ids = append([]string{a.ID}, ids...)
		require.NoError(t, s.RecordVariant(ctx, easel.StoredVariant{Key: easel.VariantKey(a.ID, "w_1"), AssetID: a.ID, Bytes: 1, CreatedAt: at(20 + i)}))
	}
	o := newAsset(other.ID, sha("o"))
	o.CreatedAt = at(0)
	require.NoError(t, s.CreateAsset(ctx, o))

	got, err := s.ExpiredAssets(ctx, tn.ID, at(9), 3) // created at 6, 7, 8 of 6..10
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, a := range got {
		require.Equal(t, ids[i], a.ID, "oldest first")
	}
	got, err = s.ExpiredAssets(ctx, tn.ID, at(6), 10)
	require.NoError(t, err)
	require.Empty(t, got)

	vs, err := s.ExpiredVariants(ctx, tn.ID, at(23), 10) // created at 20, 21, 22
	require.NoError(t, err)
	require.Len(t, vs, 3)
	require.Equal(t, tn.ID, vs[0].TenantID)
	require.True(t, vs[0].CreatedAt.Equal(at(20)))
	require.Equal(t, ids[4], vs[0].AssetID)
}

func testRetentionJournal(t *testing.T, s QuotaStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "journal")
	a := newAsset(tn.ID, sha("shared"))
	require.NoError(t, s.CreateAsset(ctx, a))
	require.NoError(t, s.CreateAsset(ctx, newAsset(tn.ID, sha("shared"))))
	n, err := s.CountAssetsBySHA256(ctx, sha("shared"))
	require.NoError(t, err)
	require.Equal(t, 2, n)

	items := []easel.RetentionItem{
		{ID: easel.NewID(), TenantID: tn.ID, Kind: easel.RetentionOriginal, AssetID: a.ID, Key: a.SHA256, Bytes: a.Bytes, CreatedAt: at(0), StartedAt: at(100)},
		{ID: easel.NewID(), TenantID: tn.ID, Kind: easel.RetentionVariant, AssetID: a.ID, Key: easel.VariantKey(a.ID, "w_1"), Bytes: 5, CreatedAt: at(0), StartedAt: at(101)},
	}
	require.NoError(t, s.BeginRetention(ctx, items))
	// Journalled again (a janitor that resumed): left as it is.
	again := items[0]
	again.ID, again.StartedAt = easel.NewID(), at(200)
	require.NoError(t, s.BeginRetention(ctx, []easel.RetentionItem{again}))
	pending, err := s.PendingRetention(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 2)
	require.Equal(t, items[0].ID, pending[0].ID)
	require.Equal(t, items[0].Key, pending[0].Key)
	require.True(t, pending[0].StartedAt.Equal(at(100)))
	require.Nil(t, pending[0].DoneAt)

	require.NoError(t, s.FinishRetention(ctx, items[0].ID, at(300)))
	require.NoError(t, s.FinishRetention(ctx, items[0].ID, at(400)), "finishing twice is harmless")
	pending, err = s.PendingRetention(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, items[1].ID, pending[0].ID)

	log, err := s.RetentionLog(ctx, tn.ID, 10)
	require.NoError(t, err)
	require.Len(t, log, 2)
	require.Equal(t, items[1].ID, log[0].ID, "newest first")
	require.NotNil(t, log[1].DoneAt)
	require.True(t, log[1].DoneAt.Equal(at(300)))

	requireCode(t, easel.CodeInvalidArgument, s.BeginRetention(ctx, []easel.RetentionItem{{ID: easel.NewID(), Kind: "bogus", CreatedAt: at(0), StartedAt: at(0)}}))
}
