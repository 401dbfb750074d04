package keys_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/keys"
)

func TestAPIKeyScopesAndExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	tests := []struct {
		name       string
		opts       []keys.APIKeyOption
		wantScopes easel.Scopes
		wantErr    easel.Code // creating
	}{
		{name: "all by default", wantScopes: easel.AllScopes},
		{name: "scoped", opts: []keys.APIKeyOption{keys.WithScopes(easel.Scopes{easel.ScopeRead, easel.ScopeUpload})},
			wantScopes: easel.Scopes{easel.ScopeUpload, easel.ScopeRead}},
		{name: "no scope", opts: []keys.APIKeyOption{keys.WithScopes(nil)}, wantErr: easel.CodeInvalidArgument},
		{name: "negative expiry", opts: []keys.APIKeyOption{keys.WithExpiry(-time.Hour)}, wantErr: easel.CodeInvalidArgument},
		{name: "expires later", opts: []keys.APIKeyOption{keys.WithExpiry(time.Hour)}, wantScopes: easel.AllScopes},
	}
	for _, tt := range tests {
		secret, key, err := b.keys.CreateAPIKey(ctx, b.tenant, tt.name, tt.opts...)
		require.Equal(t, tt.wantErr, easel.ErrorCode(err), tt.name)
		if tt.wantErr != "" {
			continue
		}
		p, err := b.keys.Authenticate(ctx, secret)
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.wantScopes, p.Scopes, tt.name)
		require.Equal(t, key.ID, p.KeyID, tt.name)
	}

	secret, _, err := b.keys.CreateAPIKey(ctx, b.tenant, "short", keys.WithExpiry(50*time.Millisecond))
	require.NoError(t, err)
	_, err = b.keys.Authenticate(ctx, secret)
	require.NoError(t, err)
	time.Sleep(80 * time.Millisecond)
	_, err = b.keys.Authenticate(ctx, secret)
	require.Equal(t, easel.CodeKeyExpired, easel.ErrorCode(err), "%v", err)
}

func TestTenants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	acme, err := b.keys.CreateTenant(ctx, " acme ")
	require.NoError(t, err)
	require.Equal(t, "acme", acme.Name)
	_, err = b.keys.CreateTenant(ctx, "  ")
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))

	list, err := b.keys.ListTenants(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, b.tenant, list[0].ID, "the default tenant is the oldest")

	// The new tenant signs with its own key, which the other's does not verify.
	p, err := b.keys.SignPath(ctx, acme.ID, "w_100", easel.NewID(), "")
	require.NoError(t, err)
	sig, rest, _ := strings.Cut(strings.TrimPrefix(p, "/i/"), "/")
	ok, err := b.keys.Verify(ctx, acme.ID, sig, rest)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = b.keys.Verify(ctx, b.tenant, sig, rest)
	require.NoError(t, err)
	require.False(t, ok, "another tenant's key never verifies it")

	secret, _, err := b.keys.CreateAPIKey(ctx, acme.ID, "acme-ci")
	require.NoError(t, err)
	token, err := keys.NewUploadTokens(b.keys, keys.UploadTokenConfig{MaxBytes: 1 << 20}).Issue(ctx, acme.ID, keys.UploadTokenRequest{})
	require.NoError(t, err)
	other, _, err := b.keys.CreateAPIKey(ctx, b.tenant, "default-ci")
	require.NoError(t, err)

	// Disabled: its key, token and URLs are refused; the other tenant's are not.
	require.NoError(t, b.keys.DisableTenant(ctx, acme.ID))
	_, err = b.keys.Authenticate(ctx, secret)
	require.Equal(t, easel.CodeTenantDisabled, easel.ErrorCode(err), "%v", err)
	_, err = b.keys.Authenticate(ctx, token.Token)
	require.Equal(t, easel.CodeTenantDisabled, easel.ErrorCode(err), "%v", err)
	_, err = b.keys.VerifyKey(ctx, acme.ID, sig, rest)
	require.Equal(t, easel.CodeTenantDisabled, easel.ErrorCode(err), "%v", err)
	_, err = b.keys.SignPath(ctx, acme.ID, "w_100", easel.NewID(), "")
	require.Equal(t, easel.CodeTenantDisabled, easel.ErrorCode(err), "%v", err)
	_, ok, err = b.keys.TenantOf(ctx, sig, rest)
	require.NoError(t, err)
	require.False(t, ok)
	_, err = b.keys.Authenticate(ctx, other)
	require.NoError(t, err)

	// Enabled again: everything works as before.
	require.NoError(t, b.keys.EnableTenant(ctx, acme.ID))
	_, err = b.keys.Authenticate(ctx, secret)
	require.NoError(t, err)
	_, err = b.keys.Authenticate(ctx, token.Token)
	require.NoError(t, err)
	ok, err = b.keys.Verify(ctx, acme.ID, sig, rest)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(b.keys.DisableTenant(ctx, easel.NewID())))
}

// TestTenantDisabledElsewhere: a tenant disabled by another node stops
// verifying here after a refresh.
func TestTenantDisabledElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	sig, rest := b.signed(t, "w_100")
	require.True(t, b.verify(t, sig, rest))
	now := time.Now()
	require.NoError(t, b.store.MetaStore.SetTenantDisabled(ctx, b.tenant, &now))
	require.NoError(t, b.keys.Refresh(ctx))
	_, err := b.keys.VerifyKey(ctx, b.tenant, sig, rest)
	require.Equal(t, easel.CodeTenantDisabled, easel.ErrorCode(err), "%v", err)
}
