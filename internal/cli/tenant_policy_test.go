package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlite"
)

func TestTenantPolicy(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	code, _, errs := run(t, "key", "create", "--data", data) // makes the default tenant
	require.Equal(t, 0, code, errs)
	policy := func() (easel.Tenant, easel.TenantPolicy) {
		meta, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(data, "easel.db")})
		require.NoError(t, err)
		defer meta.Close()
		ts, err := meta.ListTenants(context.Background())
		require.NoError(t, err)
		require.Len(t, ts, 1)
		p, err := meta.TenantPolicy(context.Background(), ts[0].ID)
		require.NoError(t, err)
		return ts[0], p
	}
	tn, _ := policy()

	code, out, errs := run(t, "tenant", "policy", tn.ID, "--data", data, "--max-stored-bytes", "1000000",
		"--uploads-per-minute", "60", "--renders-per-second", "2.5", "--retention-originals", "4380h", "--retention-variants", "720h")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "saved")
	require.Regexp(t, `max_stored_bytes\s+1000000\s+tenant`, out)
	require.Regexp(t, `render_burst\s+unlimited\s+default`, out)
	require.Regexp(t, `retention.originals\s+4380h0m0s\s+tenant`, out)
	_, p := policy()
	require.Equal(t, int64(1000000), *p.MaxStoredBytes)
	require.Equal(t, int64(60), *p.UploadsPerMinute)
	require.Equal(t, 2.5, *p.RendersPerSecond)
	require.Nil(t, p.RenderBurst)
	require.Equal(t, 4380*time.Hour, *p.RetentionOriginals)
	require.Equal(t, 720*time.Hour, *p.RetentionVariants)

	// Only the flags given change; "default" drops an override.
	code, out, errs = run(t, "tenant", "policy", "--data", data, tn.ID, "--max-stored-bytes", "default", "--render-burst", "4")
	require.Equal(t, 0, code, errs)
	require.Regexp(t, `max_stored_bytes\s+unlimited\s+default`, out)
	_, p = policy()
	require.Nil(t, p.MaxStoredBytes)
	require.Equal(t, int64(4), *p.RenderBurst)
	require.Equal(t, int64(60), *p.UploadsPerMinute)

	// No flag: shown, not saved. --reset drops every override.
	code, out, _ = run(t, "tenant", "policy", "--data", data, tn.ID)
	require.Equal(t, 0, code)
	require.NotContains(t, out, "saved")
	require.Regexp(t, `uploads_per_minute\s+60\s+tenant`, out)
	code, _, errs = run(t, "tenant", "policy", "--data", data, tn.ID, "--reset")
	require.Equal(t, 0, code, errs)
	_, p = policy()
	require.Equal(t, easel.TenantPolicy{TenantID: tn.ID, UpdatedAt: p.UpdatedAt}, p)

	for _, bad := range [][]string{
		{"--max-stored-bytes", "-1"},
		{"--retention-originals", "six months"},
		{"--renders-per-second", "NaN"},
	} {
		code, _, errs = run(t, append([]string{"tenant", "policy", "--data", data, tn.ID}, bad...)...)
		require.NotZero(t, code)
		require.Contains(t, errs, "invalid value", "%v", bad)
	}
	code, _, errs = run(t, "tenant", "policy", "--data", data, easel.NewID(), "--uploads-per-minute", "1")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "not found")
	code, _, errs = run(t, "tenant", "policy", "--data", data)
	require.Equal(t, 2, code)
	require.True(t, strings.HasPrefix(strings.TrimPrefix(errs, "easel: "), "usage: easel tenant policy"), errs)
}
