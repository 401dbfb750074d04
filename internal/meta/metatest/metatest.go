package metatest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// testCase is a named subtest of a suite on a store of type S.
type testCase[S easel.MetaStore] struct {
	name string
	fn   func(t *testing.T, s S)
}

// runCases runs each case in parallel on a new store, closed when it is done.
func runCases[S easel.MetaStore](t *testing.T, newStore func(t *testing.T) S, cases []testCase[S]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(func() { require.NoError(t, s.Close()) })
			tc.fn(t, s)
		})
	}
}

// Run runs the conformance suite. newStore must return a new, empty store for
// every call; subtests run in parallel and close their store when done.
func Run(t *testing.T, newStore func(t *testing.T) easel.MetaStore) {
	t.Helper()
	runCases(t, newStore, []testCase[easel.MetaStore]{
		{"Tenants", testTenants},
		{"TenantMissing", testTenantMissing},
		{"TenantDuplicate", testTenantDuplicate},
		{"APIKeys", testAPIKeys},
		{"APIKeyMissing", testAPIKeyMissing},
		{"APIKeyDuplicate", testAPIKeyDuplicate},
		{"SigningKeys", testSigningKeys},
		{"SigningKeysVersion", testSigningKeysVersion},
		{"TenantDisable", testTenantDisable},
		{"APIKeyScopesAndExpiry", testAPIKeyScopesAndExpiry},
		{"AssetCreateGet", testAssetCreateGet},
		{"AssetMissing", testAssetMissing},
		{"AssetDuplicate", testAssetDuplicate},
		{"AssetUnknownTenant", testAssetUnknownTenant},
		{"ListAssetsPages", testListAssetsPages},
		{"ListAssetsDefaultLimit", testListAssetsDefaultLimit},
		{"ListAssetsBadCursor", testListAssetsBadCursor},
		{"DeleteAsset", testDeleteAsset},
		{"TimesRoundTrip", testTimesRoundTrip},
		{"IdempotentCreate", testIdempotentCreate},
		{"Ping", testPing},
	})
}

// base is a fixed time with nanoseconds, so exact round trips are checked.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func requireCode(t *testing.T, want easel.Code, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, want, easel.ErrorCode(err), "got %v", err)
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func createTenant(t *testing.T, s easel.MetaStore, name string) easel.Tenant {
	t.Helper()
	tn := easel.Tenant{ID: easel.NewID(), Name: name, CreatedAt: base}
	require.NoError(t, s.CreateTenant(context.Background(), tn))
	return tn
}

func newAsset(tenantID, sha string) easel.Asset {
	return easel.Asset{
		ID: easel.NewID(), TenantID: tenantID, SHA256: sha, Kind: easel.KindImage, Format: "jpeg",
		Width: 640, Height: 480, Pages: 1, Bytes: 12345, CreatedAt: base,
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func testTenants(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	// Created out of order: the list is by CreatedAt, not insertion.
	tenants := []easel.Tenant{
		{ID: easel.NewID(), Name: "second", CreatedAt: at(2)},
		{ID: easel.NewID(), Name: "first", CreatedAt: at(1)},
		{ID: easel.NewID(), Name: "third", CreatedAt: at(3)},
	}
	for _, tn := range tenants {
		require.NoError(t, s.CreateTenant(ctx, tn))
	}
	for _, tn := range tenants {
		got, err := s.GetTenant(ctx, tn.ID)
		require.NoError(t, err)
		require.Equal(t, tn, got)
	}
	list, err := s.ListTenants(ctx)
	require.NoError(t, err)
	require.Equal(t, []easel.Tenant{tenants[1], tenants[0], tenants[2]}, list)
}

func testTenantMissing(t *testing.T, s easel.MetaStore) {
	_, err := s.GetTenant(context.Background(), easel.NewID())
	requireCode(t, easel.CodeNotFound, err)
	list, err := s.ListTenants(context.Background())
	require.NoError(t, err)
	require.Empty(t, list)
}

func testTenantDuplicate(t *testing.T, s easel.MetaStore) {
	tn := createTenant(t, s, "acme")
	tn.Name = "other"
	requireCode(t, easel.CodeInvalidArgument, s.CreateTenant(context.Background(), tn))
	got, err := s.GetTenant(context.Background(), tn.ID)
	require.NoError(t, err)
	require.Equal(t, "acme", got.Name)
}

func testAPIKeys(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")

	k2 := easel.APIKey{ID: easel.NewID(), TenantID: acme.ID, Name: "ci", Prefix: "ek_b",
		Hash: randomBytes(t, 32), CreatedAt: at(2)}
	k1 := easel.APIKey{ID: easel.NewID(), TenantID: acme.ID, Name: "laptop", Prefix: "ek_a",
		Hash: randomBytes(t, 32), CreatedAt: at(1)}
	ko := easel.APIKey{ID: easel.NewID(), TenantID: other.ID, Name: "theirs", Prefix: "ek_c",
		Hash: randomBytes(t, 32), CreatedAt: at(0)}
	for _, k := range []easel.APIKey{k2, k1, ko} {
		require.NoError(t, s.CreateAPIKey(ctx, k))
	}

	t.Run("by hash", func(t *testing.T) {
		for _, k := range []easel.APIKey{k1, k2, ko} {
			got, err := s.APIKeyByHash(ctx, k.Hash)
			require.NoError(t, err)
			require.Equal(t, k, got)
		}
	})
	t.Run("list oldest first", func(t *testing.T) {
		list, err := s.ListAPIKeys(ctx, acme.ID)
		require.NoError(t, err)
		require.Equal(t, []easel.APIKey{k1, k2}, list)
	})
	t.Run("revoke", func(t *testing.T) {
		revokedAt := at(10)
		require.NoError(t, s.RevokeAPIKey(ctx, k1.ID, revokedAt))
		got, err := s.APIKeyByHash(ctx, k1.Hash)
		require.NoError(t, err)
		require.NotNil(t, got.RevokedAt)
		require.Equal(t, revokedAt, *got.RevokedAt)

		// Revoking again is no error and keeps the first time.
		require.NoError(t, s.RevokeAPIKey(ctx, k1.ID, at(20)))
		got, err = s.APIKeyByHash(ctx, k1.Hash)
		require.NoError(t, err)
		require.Equal(t, revokedAt, *got.RevokedAt)

		list, err := s.ListAPIKeys(ctx, acme.ID)
		require.NoError(t, err)
		require.Len(t, list, 2, "revoked keys are listed")
		require.NotNil(t, list[0].RevokedAt)
		require.Nil(t, list[1].RevokedAt)

		requireCode(t, easel.CodeNotFound, s.RevokeAPIKey(ctx, easel.NewID(), at(10)))
	})
}

func testAPIKeyMissing(t *testing.T, s easel.MetaStore) {
	_, err := s.APIKeyByHash(context.Background(), randomBytes(t, 32))
	requireCode(t, easel.CodeNotFound, err)
	list, err := s.ListAPIKeys(context.Background(), easel.NewID())
	require.NoError(t, err)
	require.Empty(t, list)
}

func testAPIKeyDuplicate(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	k := easel.APIKey{ID: easel.NewID(), TenantID: acme.ID, Name: "a", Prefix: "ek_a",
		Hash: randomBytes(t, 32), CreatedAt: base}
	require.NoError(t, s.CreateAPIKey(ctx, k))

	sameID := k
	sameID.Hash = randomBytes(t, 32)
	requireCode(t, easel.CodeInvalidArgument, s.CreateAPIKey(ctx, sameID))

	sameHash := k
	sameHash.ID = easel.NewID()
	requireCode(t, easel.CodeInvalidArgument, s.CreateAPIKey(ctx, sameHash))

	noTenant := k
	noTenant.ID, noTenant.TenantID, noTenant.Hash = easel.NewID(), easel.NewID(), randomBytes(t, 32)
	requireCode(t, easel.CodeNotFound, s.CreateAPIKey(ctx, noTenant))
}

func testSigningKeys(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")

	k2 := easel.SigningKey{ID: easel.NewID(), TenantID: acme.ID, Secret: randomBytes(t, 32), CreatedAt: at(2)}
	k1 := easel.SigningKey{ID: easel.NewID(), TenantID: acme.ID, Secret: randomBytes(t, 32), CreatedAt: at(1)}
	ko := easel.SigningKey{ID: easel.NewID(), TenantID: other.ID, Secret: randomBytes(t, 32), CreatedAt: at(0)}
	for _, k := range []easel.SigningKey{k2, k1, ko} {
		require.NoError(t, s.CreateSigningKey(ctx, k))
	}
	requireCode(t, easel.CodeInvalidArgument, s.CreateSigningKey(ctx, k1))

	list, err := s.ListSigningKeys(ctx, acme.ID)
	require.NoError(t, err)
	require.Equal(t, []easel.SigningKey{k1, k2}, list)

	revokedAt := at(5)
	require.NoError(t, s.RevokeSigningKey(ctx, k2.ID, revokedAt))
	require.NoError(t, s.RevokeSigningKey(ctx, k2.ID, at(6)))
	list, err = s.ListSigningKeys(ctx, acme.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Nil(t, list[0].RevokedAt)
	require.NotNil(t, list[1].RevokedAt)
	require.Equal(t, revokedAt, *list[1].RevokedAt)

	requireCode(t, easel.CodeNotFound, s.RevokeSigningKey(ctx, easel.NewID(), revokedAt))
	list, err = s.ListSigningKeys(ctx, easel.NewID())
	require.NoError(t, err)
	require.Empty(t, list)
}

// testSigningKeysVersion checks that the version grows on every creation and
// revocation, and on nothing else.
func testSigningKeysVersion(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	version := func() int64 {
		t.Helper()
		v, err := s.SigningKeysVersion(ctx)
		require.NoError(t, err)
		return v
	}
	v0 := version()
	require.Equal(t, v0, version(), "reading changes nothing")
	acme := createTenant(t, s, "acme")
	k := easel.SigningKey{ID: easel.NewID(), TenantID: acme.ID, Secret: randomBytes(t, 32), CreatedAt: at(1)}
	require.NoError(t, s.CreateSigningKey(ctx, k))
	v1 := version()
	require.Greater(t, v1, v0, "a created key")
	require.NoError(t, s.RevokeSigningKey(ctx, k.ID, at(2)))
	v2 := version()
	require.Greater(t, v2, v1, "a revoked key")
	require.NoError(t, s.RevokeSigningKey(ctx, k.ID, at(3)))
	require.Equal(t, v2, version(), "revoking again is no change")
	_, err := s.ListSigningKeys(ctx, acme.ID)
	require.NoError(t, err)
	require.Equal(t, v2, version())
}

func testAssetCreateGet(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")

	withEXIF := newAsset(acme.ID, sha("one"))
	withEXIF.Format, withEXIF.Width, withEXIF.Height, withEXIF.Pages = "gif", 1920, 1080, 12
	withEXIF.Bytes = 5 << 30 // beyond 32 bits
	withEXIF.Name = "Holiday photo ☀.gif"
	withEXIF.EXIF = map[string]string{"Make": "Canon", "Model": "EOS R5", "Quote": `a "b" \c`}
	withEXIF.Region = "eu-west"
	require.NoError(t, s.CreateAsset(ctx, withEXIF))

	noEXIF := newAsset(acme.ID, sha("two"))
	require.NoError(t, s.CreateAsset(ctx, noEXIF))

	video := newAsset(acme.ID, sha("three"))
	video.Kind, video.Format, video.Width, video.Height = easel.KindVideo, "mov", 720, 1280
	video.Video = &easel.Video{Duration: 10.0333, VideoCodec: "h264", AudioCodec: "aac", Rotation: 90,
		BitRate: 1_234_567, FrameRate: 29.97, Frames: 301}
	require.NoError(t, s.CreateAsset(ctx, video))

	// An asset made without a kind is an image.
	noKind := newAsset(acme.ID, sha("four"))
	noKind.Kind = ""
	require.NoError(t, s.CreateAsset(ctx, noKind))
	noKind.Kind = easel.KindImage

	for _, want := range []easel.Asset{withEXIF, noEXIF, video, noKind} {
		got, err := s.GetAsset(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func testAssetMissing(t *testing.T, s easel.MetaStore) {
	_, err := s.GetAsset(context.Background(), easel.NewID())
	requireCode(t, easel.CodeNotFound, err)
	_, err = s.DeleteAsset(context.Background(), easel.NewID())
	requireCode(t, easel.CodeNotFound, err)
}

func testAssetDuplicate(t *testing.T, s easel.MetaStore) {
	acme := createTenant(t, s, "acme")
	a := newAsset(acme.ID, sha("x"))
	require.NoError(t, s.CreateAsset(context.Background(), a))
	requireCode(t, easel.CodeInvalidArgument, s.CreateAsset(context.Background(), a))
}

func testAssetUnknownTenant(t *testing.T, s easel.MetaStore) {
	err := s.CreateAsset(context.Background(), newAsset(easel.NewID(), sha("x")))
	requireCode(t, easel.CodeNotFound, err)
}

// listAll pages through a tenant's assets and returns the page sizes and IDs.
func listAll(t *testing.T, s easel.MetaStore, tenantID string, limit int) (sizes []int, ids []string) {
	t.Helper()
	cursor := ""
	for range 1000 {
		page, next, err := s.ListAssets(context.Background(), tenantID, easel.ListPage{Cursor: cursor, Limit: limit})
		require.NoError(t, err)
		sizes = append(sizes, len(page))
		for _, a := range page {
			require.Equal(t, tenantID, a.TenantID)
			ids = append(ids, a.ID)
		}
		if next == "" {
			return sizes, ids
		}
		require.NotEqual(t, cursor, next, "cursor did not advance")
		cursor = next
	}
	t.Fatal("listing never ended")
	return nil, nil
}

func testListAssetsPages(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")

	var want []string
	for i := range 7 {
		a := newAsset(acme.ID, sha(string(rune('a'+i))))
		require.NoError(t, s.CreateAsset(ctx, a))
		want = append(want, a.ID)
		// Interleave another tenant's assets.
		require.NoError(t, s.CreateAsset(ctx, newAsset(other.ID, sha("other"))))
		time.Sleep(2 * time.Millisecond) // distinct ID milliseconds
	}
	// Newest first: IDs are time-ordered.
	for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
		want[i], want[j] = want[j], want[i]
	}

	sizes, ids := listAll(t, s, acme.ID, 3)
	require.Equal(t, []int{3, 3, 1}, sizes)
	require.Equal(t, want, ids)

	sizes, ids = listAll(t, s, acme.ID, 7)
	require.Equal(t, []int{7}, sizes, "an exactly full last page has no next cursor")
	require.Equal(t, want, ids)

	sizes, _ = listAll(t, s, other.ID, 3)
	require.Equal(t, []int{3, 3, 1}, sizes)

	sizes, ids = listAll(t, s, easel.NewID(), 3)
	require.Equal(t, []int{0}, sizes)
	require.Empty(t, ids)
}

func testListAssetsDefaultLimit(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	for range 51 {
		require.NoError(t, s.CreateAsset(ctx, newAsset(acme.ID, sha("same"))))
	}
	sizes, ids := listAll(t, s, acme.ID, 0)
	require.Equal(t, []int{50, 1}, sizes)
	seen := map[string]bool{}
	for i, id := range ids {
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
		if i > 0 {
			require.Less(t, id, ids[i-1], "not newest first")
		}
	}
	sizes, _ = listAll(t, s, acme.ID, 1_000_000)
	require.Equal(t, []int{51}, sizes)
}

func testListAssetsBadCursor(t *testing.T, s easel.MetaStore) {
	acme := createTenant(t, s, "acme")
	_, _, err := s.ListAssets(context.Background(), acme.ID, easel.ListPage{Cursor: "%%% not a cursor"})
	requireCode(t, easel.CodeInvalidArgument, err)
}

func testDeleteAsset(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")

	// Three assets, of two tenants, share one original.
	shared := sha("shared")
	a1, a2, a3 := newAsset(acme.ID, shared), newAsset(acme.ID, shared), newAsset(other.ID, shared)
	single := newAsset(acme.ID, sha("single"))
	for _, a := range []easel.Asset{a1, a2, a3, single} {
		require.NoError(t, s.CreateAsset(ctx, a))
	}

	tests := []struct {
		id   string
		want int
	}{
		{a1.ID, 2},
		{single.ID, 0},
		{a3.ID, 1},
		{a2.ID, 0},
	}
	for _, tt := range tests {
		n, err := s.DeleteAsset(ctx, tt.id)
		require.NoError(t, err)
		require.Equal(t, tt.want, n, "remaining after deleting %s", tt.id)
		_, err = s.GetAsset(ctx, tt.id)
		requireCode(t, easel.CodeNotFound, err)
	}
	_, err := s.DeleteAsset(ctx, a1.ID)
	requireCode(t, easel.CodeNotFound, err)

	page, next, err := s.ListAssets(ctx, acme.ID, easel.ListPage{})
	require.NoError(t, err)
	require.Empty(t, page)
	require.Empty(t, next)
}

func testTimesRoundTrip(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("UTC+2", 2*60*60)
	}
	tests := []struct {
		name string
		at   time.Time
	}{
		{"nanoseconds", time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)},
		{"whole second", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"other zone", time.Date(2030, 7, 1, 12, 0, 0, 1, paris)},
		{"now", time.Now()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn := easel.Tenant{ID: easel.NewID(), Name: tt.name, CreatedAt: tt.at}
			require.NoError(t, s.CreateTenant(ctx, tn))
			got, err := s.GetTenant(ctx, tn.ID)
			require.NoError(t, err)
			require.True(t, tt.at.Equal(got.CreatedAt), "got %v, want %v", got.CreatedAt, tt.at)
			require.Equal(t, time.UTC, got.CreatedAt.Location())
		})
	}
}

func testPing(t *testing.T, s easel.MetaStore) {
	require.NoError(t, s.Ping(context.Background()))
}
