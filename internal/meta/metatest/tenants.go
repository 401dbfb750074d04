package metatest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// testTenantDisable checks disabling and enabling a tenant: the first time
// is kept, the state shows in GetTenant and ListTenants, and each change
// of state (not a repeated one) grows the signing keys version.
func testTenantDisable(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")
	version := func() int64 {
		t.Helper()
		v, err := s.SigningKeysVersion(ctx)
		require.NoError(t, err)
		return v
	}
	v0 := version()

	first := at(10)
	require.NoError(t, s.SetTenantDisabled(ctx, acme.ID, &first))
	v1 := version()
	require.Greater(t, v1, v0, "a disable")
	later := at(20)
	require.NoError(t, s.SetTenantDisabled(ctx, acme.ID, &later))
	require.Equal(t, v1, version(), "disabling again is no change")

	got, err := s.GetTenant(ctx, acme.ID)
	require.NoError(t, err)
	require.NotNil(t, got.DisabledAt)
	require.Equal(t, first, *got.DisabledAt, "the first time is kept")
	list, err := s.ListTenants(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	for _, tn := range list {
		if tn.ID == acme.ID {
			require.Equal(t, first, *tn.DisabledAt)
		} else {
			require.Nil(t, tn.DisabledAt, "the other tenant is untouched")
		}
	}

	require.NoError(t, s.SetTenantDisabled(ctx, acme.ID, nil))
	v2 := version()
	require.Greater(t, v2, v1, "an enable")
	got, err = s.GetTenant(ctx, acme.ID)
	require.NoError(t, err)
	require.Nil(t, got.DisabledAt)
	require.NoError(t, s.SetTenantDisabled(ctx, acme.ID, nil))
	require.Equal(t, v2, version(), "enabling an enabled tenant is no change")

	got, err = s.GetTenant(ctx, other.ID)
	require.NoError(t, err)
	require.Nil(t, got.DisabledAt)
	requireCode(t, easel.CodeNotFound, s.SetTenantDisabled(ctx, easel.NewID(), &first))
}

// testAPIKeyScopesAndExpiry checks that scopes (canonical order, no
// duplicates) and the expiry round-trip.
func testAPIKeyScopesAndExpiry(t *testing.T, s easel.MetaStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	expires := at(3600)
	scoped := easel.APIKey{ID: easel.NewID(), TenantID: acme.ID, Name: "browser", Prefix: "ek_s",
		Hash: randomBytes(t, 32), CreatedAt: at(1),
		Scopes: easel.Scopes{easel.ScopeRead, easel.ScopeUpload, easel.ScopeRead}, ExpiresAt: &expires}
	all := easel.APIKey{ID: easel.NewID(), TenantID: acme.ID, Name: "server", Prefix: "ek_t",
		Hash: randomBytes(t, 32), CreatedAt: at(2), Scopes: easel.AllScopes}
	for _, k := range []easel.APIKey{scoped, all} {
		require.NoError(t, s.CreateAPIKey(ctx, k))
	}
	got, err := s.APIKeyByHash(ctx, scoped.Hash)
	require.NoError(t, err)
	require.Equal(t, easel.Scopes{easel.ScopeUpload, easel.ScopeRead}, got.Scopes)
	require.NotNil(t, got.ExpiresAt)
	require.Equal(t, expires, *got.ExpiresAt)

	got, err = s.APIKeyByHash(ctx, all.Hash)
	require.NoError(t, err)
	require.Equal(t, easel.AllScopes, got.Scopes)
	require.Nil(t, got.ExpiresAt)

	list, err := s.ListAPIKeys(ctx, acme.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, easel.Scopes{easel.ScopeUpload, easel.ScopeRead}, list[0].Scopes)
}
