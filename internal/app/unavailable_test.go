package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/config"
)

// TestUploadWithNoOriginGives503: an upload whose original neither origin
// of a failover pair can store is a 503 "unavailable" with Retry-After,
// and leaves no asset behind; once an origin is back, uploads work again.
func TestUploadWithNoOriginGives503(t *testing.T) {
	t.Parallel()
	var primary, secondary string
	b := start(t, func(c *config.Config) {
		primary, secondary = filepath.Join(c.Data, "primary"), filepath.Join(c.Data, "secondary")
		c.Blob.Path = primary
		c.Blob.Secondary.Backend, c.Blob.Secondary.Path = "fs", secondary
	})
	// Both origins break: each directory becomes a plain file.
	for _, dir := range []string{primary, secondary} {
		require.NoError(t, os.RemoveAll(dir))
		require.NoError(t, os.WriteFile(dir, []byte("not a directory"), 0o600))
	}
	resp, out := b.do(t, "POST", "/v1/assets?analyze=false", bytes.NewReader(noisePNG(t, 11, 24, 24)))
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, string(out))
	require.Equal(t, "unavailable", errorCode(t, out))
	require.NotEmpty(t, resp.Header.Get("Retry-After"))

	resp, out = b.do(t, "GET", "/v1/assets", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	var list struct{ Assets []json.RawMessage }
	require.NoError(t, json.Unmarshal(out, &list), string(out))
	require.Empty(t, list.Assets, "no asset row without its original")

	resp, out = b.do(t, "GET", "/readyz", nil)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, string(out))
	require.Contains(t, string(out), `"blobs.primary":"unavailable: `)
	require.Contains(t, string(out), `"blobs.secondary":"unavailable: `)

	// The secondary comes back: the upload falls over to it.
	require.NoError(t, os.Remove(secondary))
	require.NoError(t, os.Mkdir(secondary, 0o750))
	b.upload(t, noisePNG(t, 11, 24, 24), "?analyze=false")
	resp, out = b.do(t, "GET", "/readyz", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "one origin is enough: %s", out)
	require.Contains(t, string(out), `"blobs":"fs with fs failover"`)
}
