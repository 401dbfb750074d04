package client_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/client"
	"github.com/easelhq/easel/internal/testimages"
	"github.com/easelhq/easel/internal/testserve"
)

// TestUploadTokensAgainstEaselServe: upload tokens made by the SDK upload
// (plain and resumable) to their tenant only, and are refused with a clear
// error when expired, over their byte cap, used on another endpoint or for
// another tenant's upload. The second tenant is made with `easel tenant
// create` while the server runs.
func TestUploadTokensAgainstEaselServe(t *testing.T) {
	data := t.TempDir()
	base, key := startEaselIn(t, data)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	easel := func(args ...string) string {
		t.Helper()
		// Flags come before the positional arguments: --data goes after the subcommand.
		full := append([]string{args[0], args[1], "--data", data}, args[2:]...)
		out, err := exec.Command(testserve.Binary(t), full...).Output()
		require.NoError(t, err, "easel %v", args)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	tenantB := easel("tenant", "create", "beta")
	server, err := client.New([]string{base}, client.WithAPIKey(key))
	require.NoError(t, err)
	photo := testimages.Path(t, "photos/mate_Wood.jpg")
	st, err := os.Stat(photo)
	require.NoError(t, err)

	tok, err := server.CreateUploadToken(ctx, client.UploadTokenRequest{ExpiresIn: time.Minute, MaxBytes: st.Size(), Types: []string{"jpeg"}})
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Minute), tok.ExpiresAt, 5*time.Second)
	app, err := client.New([]string{base}, client.WithUploadToken(tok.Token), client.WithRetries(1))
	require.NoError(t, err)
	res, err := app.Upload(ctx, client.UploadRequest{Path: photo})
	require.NoError(t, err)
	got, err := server.GetAsset(ctx, res.Asset.ID)
	require.NoError(t, err, "the token's upload is the key's tenant's")
	require.Equal(t, res.Asset.SHA256, got.SHA256)
	resumed, err := app.UploadResumable(ctx, client.ResumableRequest{UploadRequest: client.UploadRequest{Path: photo}, ChunkSize: st.Size() / 3})
	require.NoError(t, err)
	_, err = server.GetAsset(ctx, resumed.AssetID)
	require.NoError(t, err)

	_, err = app.ListAssetsPage(ctx, 10, "")
	require.True(t, errors.Is(err, client.ErrScopeMissing), "a token only uploads: %v", err)
	_, err = app.CreateUploadToken(ctx, client.UploadTokenRequest{})
	require.True(t, errors.Is(err, client.ErrScopeMissing), "%v", err)

	small, err := server.CreateUploadToken(ctx, client.UploadTokenRequest{MaxBytes: st.Size() - 1})
	require.NoError(t, err)
	capped, err := client.New([]string{base}, client.WithUploadToken(small.Token), client.WithRetries(1))
	require.NoError(t, err)
	_, err = capped.Upload(ctx, client.UploadRequest{Path: photo})
	require.True(t, errors.Is(err, client.ErrTooLarge), "%v", err)
	_, err = capped.UploadResumable(ctx, client.ResumableRequest{UploadRequest: client.UploadRequest{Path: photo}})
	require.True(t, errors.Is(err, client.ErrTooLarge), "%v", err)

	short, err := server.CreateUploadToken(ctx, client.UploadTokenRequest{ExpiresIn: time.Second})
	require.NoError(t, err)
	time.Sleep(time.Until(short.ExpiresAt.Add(time.Second)))
	expired, err := client.New([]string{base}, client.WithUploadToken(short.Token), client.WithRetries(1))
	require.NoError(t, err)
	_, err = expired.Upload(ctx, client.UploadRequest{Path: photo})
	require.True(t, errors.Is(err, client.ErrTokenExpired), "%v", err)
	require.Contains(t, err.Error(), "401 token_expired")

	// Another tenant's key cannot see what the token uploaded.
	betaKey := easel("key", "create", "--tenant", tenantB, "--scopes", "read")
	beta, err := client.New([]string{base}, client.WithAPIKey(betaKey))
	require.NoError(t, err)
	_, err = beta.GetAsset(ctx, res.Asset.ID)
	require.True(t, client.IsNotFound(err), "%v", err)
	_, err = beta.CreateUploadToken(ctx, client.UploadTokenRequest{})
	require.True(t, errors.Is(err, client.ErrScopeMissing), "a read-only key makes no token: %v", err)
}
