package keys_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/meta/sqlite"
)

// countingStore counts the reads of signing keys and of their version.
type countingStore struct {
	easel.MetaStore
	lists, versions atomic.Int32
}

func (s *countingStore) ListSigningKeys(ctx context.Context, tenantID string) ([]easel.SigningKey, error) {
	s.lists.Add(1)
	return s.MetaStore.ListSigningKeys(ctx, tenantID)
}

func (s *countingStore) SigningKeysVersion(ctx context.Context) (int64, error) {
	s.versions.Add(1)
	return s.MetaStore.SigningKeysVersion(ctx)
}

type bundle struct {
	store  *countingStore
	keys   *keys.Keys
	tenant string
}

func setup(t *testing.T, cfg keys.Config) *bundle {
	t.Helper()
	ctx := context.Background()
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "easel.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { meta.Close() })
	store := &countingStore{MetaStore: meta}
	k := keys.New(store, cfg)
	_, err = k.Bootstrap(ctx)
	require.NoError(t, err)
	tenant, err := k.DefaultTenant(ctx)
	require.NoError(t, err)
	return &bundle{store: store, keys: k, tenant: tenant.ID}
}

// signed returns a path signed with the tenant's newest key, split as the
// delivery path is: signature, then the signed rest.
func (b *bundle) signed(t *testing.T, ops string) (sig, rest string) {
	t.Helper()
	p, err := b.keys.SignPath(context.Background(), b.tenant, ops, easel.NewID(), "")
	require.NoError(t, err)
	sig, rest, ok := strings.Cut(strings.TrimPrefix(p, "/i/"), "/")
	require.True(t, ok, p)
	return sig, rest
}

func (b *bundle) verify(t *testing.T, sig, rest string) bool {
	t.Helper()
	ok, err := b.keys.Verify(context.Background(), b.tenant, sig, rest)
	require.NoError(t, err)
	return ok
}

func TestVerifyHitReadsNoDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t, keys.Config{})
	sig, rest := b.signed(t, "w_100")
	require.True(t, b.verify(t, sig, rest))
	lists, versions := b.store.lists.Load(), b.store.versions.Load()
	for range 100 {
		require.True(t, b.verify(t, sig, rest))
	}
	require.Equal(t, lists, b.store.lists.Load())
	require.Equal(t, versions, b.store.versions.Load())
}

func TestRevokedElsewhereStopsVerifyingAfterRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	sk, err := b.keys.CreateSigningKey(ctx, b.tenant)
	require.NoError(t, err)
	sig, rest := b.signed(t, "w_100")
	require.True(t, b.verify(t, sig, rest))

	// Another node revokes the key: this one learns it from the version.
	require.NoError(t, b.store.MetaStore.RevokeSigningKey(ctx, sk.ID, time.Now()))
	require.NoError(t, b.keys.Refresh(ctx))
	require.False(t, b.verify(t, sig, rest), "the revoked key no longer verifies")
	sig2, rest2 := b.signed(t, "w_200")
	require.True(t, b.verify(t, sig2, rest2), "new URLs are signed with the remaining key")

	// Nothing changed: a refresh reads the version and nothing else.
	lists := b.store.lists.Load()
	require.NoError(t, b.keys.Refresh(ctx))
	require.Equal(t, lists, b.store.lists.Load())
}

func TestRevokedHereStopsVerifyingAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	sk, err := b.keys.CreateSigningKey(ctx, b.tenant)
	require.NoError(t, err)
	sig, rest := b.signed(t, "w_100")
	require.True(t, b.verify(t, sig, rest))
	require.NoError(t, b.keys.Revoke(ctx, sk.ID))
	require.False(t, b.verify(t, sig, rest))
}

func TestRunRefreshesWithinTheInterval(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := setup(t, keys.Config{Refresh: 20 * time.Millisecond})
	sk, err := b.keys.CreateSigningKey(ctx, b.tenant)
	require.NoError(t, err)
	sig, rest := b.signed(t, "w_100")
	require.True(t, b.verify(t, sig, rest))
	done := make(chan error, 1)
	go func() { done <- b.keys.Run(ctx, nil) }()

	revoked := time.Now()
	require.NoError(t, b.store.MetaStore.RevokeSigningKey(ctx, sk.ID, revoked))
	require.Eventually(t, func() bool { return !b.verify(t, sig, rest) }, 2*time.Second, 5*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}

func TestKeyCreatedElsewhereVerifiesAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := setup(t, keys.Config{})
	sig, rest := a.signed(t, "w_1")
	require.True(t, a.verify(t, sig, rest)) // keys loaded
	// A second Keys over the same store stands for another node.
	other := keys.New(a.store.MetaStore, keys.Config{})
	_, err := other.CreateSigningKey(ctx, a.tenant)
	require.NoError(t, err)
	p, err := other.SignPath(ctx, a.tenant, "w_2", easel.NewID(), "")
	require.NoError(t, err)
	sig2, rest2, _ := strings.Cut(strings.TrimPrefix(p, "/i/"), "/")
	require.Eventually(t, func() bool { return a.verify(t, sig2, rest2) }, 3*time.Second, 50*time.Millisecond)
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	secret, k, err := b.keys.CreateAPIKey(ctx, b.tenant, "ci")
	require.NoError(t, err)
	tests := []struct {
		name   string
		secret string
		want   easel.Code
	}{
		{"valid", secret, ""},
		{"malformed", "nope", easel.CodeUnauthenticated},
		{"unknown", keys.APIKeyPrefix + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", easel.CodeUnauthenticated},
	}
	for _, tt := range tests {
		p, err := b.keys.Authenticate(ctx, tt.secret)
		require.Equal(t, tt.want, easel.ErrorCode(err), tt.name)
		if tt.want == "" {
			require.Equal(t, b.tenant, p.TenantID)
			require.Equal(t, k.ID, p.KeyID)
			require.Equal(t, easel.AllScopes, p.Scopes, "a key has every scope unless told otherwise")
			require.Nil(t, p.Token)
		}
	}
	require.NoError(t, b.keys.Revoke(ctx, k.ID))
	_, err = b.keys.Authenticate(ctx, secret)
	require.Equal(t, easel.CodeUnauthenticated, easel.ErrorCode(err))
}

func TestVerifyKeyGenerationAndKeyLive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	sk, err := b.keys.CreateSigningKey(ctx, b.tenant)
	require.NoError(t, err)
	sig, rest := b.signed(t, "w_100")
	id, err := b.keys.VerifyKey(ctx, b.tenant, sig, rest)
	require.NoError(t, err)
	require.Equal(t, sk.ID, id, "the newest key signed it")
	require.True(t, b.keys.KeyLive(b.tenant, sk.ID))
	require.False(t, b.keys.KeyLive("other-tenant", sk.ID))

	gen := b.keys.Generation()
	require.True(t, b.verify(t, sig, rest))
	require.Equal(t, gen, b.keys.Generation(), "verifying changes nothing")

	// Another node revokes it: the refresh changes the generation and the
	// key is no longer live.
	require.NoError(t, b.store.MetaStore.RevokeSigningKey(ctx, sk.ID, time.Now()))
	require.NoError(t, b.keys.Refresh(ctx))
	require.NotEqual(t, gen, b.keys.Generation())
	require.False(t, b.keys.KeyLive(b.tenant, sk.ID))
	id, err = b.keys.VerifyKey(ctx, b.tenant, sig, rest)
	require.NoError(t, err)
	require.Empty(t, id)
}
