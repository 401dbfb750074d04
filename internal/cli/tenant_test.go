package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/meta/sqlite"
)

func TestTenantCommands(t *testing.T) {
	t.Parallel()
	data := t.TempDir()

	code, out, errs := run(t, "tenant", "create", "--data", data, "photos")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	photos := lines[len(lines)-1]
	require.True(t, easel.ValidID(photos), "the ID is printed last: %q", out)

	code, out, errs = run(t, "key", "create", "--data", data, "--tenant", photos, "--scopes", "upload,read", "--expires", "720h", "--name", "browser-backend")
	require.Equal(t, 0, code, errs)
	secret := strings.TrimSpace(out)
	require.Regexp(t, `^ek_[a-z2-7]{32}$`, secret)

	code, out, errs = run(t, "key", "list", "--data", data, "--tenant", photos)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "browser-backend")
	require.Contains(t, out, "upload,read")
	require.Contains(t, out, "signing", "the tenant got its own signing key")
	require.Contains(t, out, "whsec_", "and its own webhook secret")

	// The key acts for the new tenant, with its scopes and expiry.
	ctx := context.Background()
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(data, "easel.db")})
	require.NoError(t, err)
	ks := keys.New(meta, keys.Config{})
	p, err := ks.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, photos, p.TenantID)
	require.Equal(t, easel.Scopes{easel.ScopeUpload, easel.ScopeRead}, p.Scopes)
	list, err := meta.ListAPIKeys(ctx, photos)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.WithinDuration(t, time.Now().Add(720*time.Hour), *list[0].ExpiresAt, time.Minute)

	code, out, errs = run(t, "tenant", "list", "--data", data)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "default")
	require.Contains(t, out, photos+"  photos")

	code, out, errs = run(t, "tenant", "disable", "--data", data, photos)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "disabled")
	_, err = ks.Authenticate(ctx, secret)
	require.Equal(t, easel.CodeTenantDisabled, easel.ErrorCode(err), "%v", err)
	code, out, _ = run(t, "tenant", "list", "--data", data)
	require.Equal(t, 0, code)
	require.Contains(t, out, "disabled")

	code, _, errs = run(t, "tenant", "enable", "--data", data, photos)
	require.Equal(t, 0, code, errs)
	_, err = ks.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.NoError(t, meta.Close())

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown scope", []string{"key", "create", "--data", data, "--scopes", "root"}, 2, `unknown scope "root"`},
		{"no scope", []string{"key", "create", "--data", data, "--scopes", ""}, 1, "at least one scope"},
		{"scopes on a signing key", []string{"key", "create", "--data", data, "--kind", "signing", "--scopes", "read"}, 2, "for API keys"},
		{"negative expiry", []string{"key", "create", "--data", data, "--expires", "-1h"}, 1, "must be positive"},
		{"unknown tenant", []string{"key", "create", "--data", data, "--tenant", easel.NewID()}, 1, "not found"},
		{"disable unknown tenant", []string{"tenant", "disable", "--data", data, easel.NewID()}, 1, "not found"},
		{"create without a name", []string{"tenant", "create", "--data", data}, 2, "usage"},
		{"blank name", []string{"tenant", "create", "--data", data, " "}, 1, "name"},
		{"unknown subcommand", []string{"tenant", "delete", "--data", data}, 2, "unknown subcommand"},
	}
	for _, tt := range tests {
		code, _, errs := run(t, tt.args...)
		require.Equal(t, tt.code, code, "%s: %s", tt.name, errs)
		require.Contains(t, errs, tt.stderr, tt.name)
	}
}
