package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/transform"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Environ: []string{"PATH=/bin"}})
	return code, out.String(), errb.String()
}

func TestKeyCommands(t *testing.T) {
	t.Parallel()
	data := t.TempDir()

	code, out, errs := run(t, "key", "create", "--data", data)
	require.Equal(t, 0, code, errs)
	secret := strings.TrimSpace(out)
	require.Regexp(t, `^ek_[a-z2-7]{32}$`, secret, "only the secret, so KEY=$(easel key create) works")

	code, out, errs = run(t, "key", "create", "--data", data, "--kind", "signing")
	require.Equal(t, 0, code, errs)
	signingID := strings.TrimSpace(out)
	require.True(t, easel.ValidID(signingID), out)

	code, out, _ = run(t, "key", "list", "--data", data)
	require.Equal(t, 0, code)
	require.Contains(t, out, signingID)
	require.Equal(t, 2, strings.Count(out, "\tapi\t")+strings.Count(out, " api "), "the bootstrap key and the created one:\n%s", out)

	code, out, _ = run(t, "key", "revoke", "--data", data, signingID)
	require.Equal(t, 0, code)
	require.Contains(t, out, "revoked")
	code, _, errs = run(t, "key", "revoke", "--data", data, easel.NewID())
	require.Equal(t, 1, code)
	require.Contains(t, errs, "no key")

	code, _, errs = run(t, "key", "create", "--data", data, "--kind", "nope")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "--kind")
}

func TestURLSign(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	code, _, errs := run(t, "key", "create", "--data", data)
	require.Equal(t, 0, code, errs)

	ctx := context.Background()
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(data, "easel.db")})
	require.NoError(t, err)
	tenants, err := meta.ListTenants(ctx)
	require.NoError(t, err)
	asset := easel.Asset{ID: easel.NewID(), TenantID: tenants[0].ID, SHA256: strings.Repeat("ab", 32), Format: "jpeg", Width: 10, Height: 10, Pages: 1, Bytes: 1, CreatedAt: time.Now().UTC()}
	require.NoError(t, meta.CreateAsset(ctx, asset))
	sks, err := meta.ListSigningKeys(ctx, tenants[0].ID)
	require.NoError(t, err)
	require.NoError(t, meta.Close())

	code, out, errs := run(t, "url", "sign", "--data", data, asset.ID, "f_webp,w_300,h_300,c_fill,g_smart")
	require.Equal(t, 0, code, errs)
	path := strings.TrimSpace(out)
	require.True(t, strings.HasSuffix(path, "/w_300,h_300,c_fill,g_smart,f_webp/"+asset.ID), "canonical order: %s", path)
	parts := strings.SplitN(strings.TrimPrefix(path, "/i/"), "/", 2)
	require.True(t, transform.Verify([][]byte{sks[0].Secret}, parts[0], parts[1]))

	code, out, _ = run(t, "url", "sign", "--data", data, "--ext", "webp", asset.ID, "w_10")
	require.Equal(t, 0, code)
	require.True(t, strings.HasSuffix(strings.TrimSpace(out), asset.ID+".webp"), out)

	code, _, errs = run(t, "url", "sign", "--data", data, asset.ID, "w_0")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "w_0")
	code, _, errs = run(t, "url", "sign", "--data", data, easel.NewID(), "w_10")
	require.Equal(t, 1, code)
	require.Contains(t, errs, "not found")
}

func TestMiscCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   string
		fromFile bool
	}{
		{name: "version", args: []string{"version"}, stdout: "easel "},
		{name: "help", args: []string{"help"}, stdout: "easel serve"},
		{name: "no command", args: nil, code: 2, stderr: "Usage"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`},
		{name: "config env", args: []string{"config", "env"}, stdout: "EASEL_RENDER_CACHE_BYTES"},
		{name: "config env lists the new settings", args: []string{"config", "env"}, stdout: "EASEL_KEYS_REFRESH"},
		{name: "config env with --config and --data", args: []string{"config", "env", "--config", "CONFIG", "--data", "DATA"}, stdout: "EASEL_VISION_NEAR_DUPLICATE_DISTANCE", fromFile: true},
		{name: "config env with flags first", args: []string{"config", "--data", "DATA", "env"}, stdout: "EASEL_LIMITS_MAX_UPLOAD_BYTES"},
		{name: "config env with a bad config file", args: []string{"config", "env", "--config", "/nonexistent.yaml"}, code: 1, stderr: "no such file"},
		{name: "config without env", args: []string{"config"}, code: 2, stderr: "usage: easel config env"},
		{name: "version with --config and --data", args: []string{"version", "--config", "CONFIG", "--data", "DATA"}, stdout: "easel dev", fromFile: true},
		{name: "version with a stray argument", args: []string{"version", "extra"}, code: 2, stderr: "unexpected argument"},
		{name: "serve with a stray argument", args: []string{"serve", "extra"}, code: 2, stderr: "unexpected argument"},
		{name: "serve with a bad config file", args: []string{"serve", "--config", "/nonexistent.yaml"}, code: 1, stderr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string(nil), tt.args...)
			dir := t.TempDir()
			for i, a := range args {
				switch a {
				case "CONFIG":
					require.True(t, tt.fromFile)
					args[i] = filepath.Join(dir, "easel.yaml")
					require.NoError(t, os.WriteFile(args[i], []byte("render:\n  cache_bytes: 1024\n"), 0o600))
				case "DATA":
					args[i] = filepath.Join(dir, "data")
				}
			}
			code, out, errs := run(t, args...)
			require.Equal(t, tt.code, code, "stdout=%s stderr=%s", out, errs)
			require.Contains(t, out, tt.stdout)
			require.Contains(t, errs, tt.stderr)
		})
	}
}
