package app

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tusUpload creates a tus upload of data on the app and sends it in two
// PATCHes; it returns the completing response and its body.
func tusUpload(t *testing.T, b *bundle, data []byte) (*http.Response, []byte) {
	t.Helper()
	resp, out := b.do(t, "POST", "/v1/uploads", nil,
		"Tus-Resumable", "1.0.0",
		"Upload-Length", strconv.Itoa(len(data)),
		"Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte("noise.png")))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	loc := resp.Header.Get("Location")
	i := strings.Index(loc, "/v1/uploads/")
	require.GreaterOrEqual(t, i, 0, loc)
	path := loc[i:]
	half := len(data) / 2
	resp, out = b.do(t, "PATCH", path, bytes.NewReader(data[:half]),
		"Tus-Resumable", "1.0.0", "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(out))
	require.Empty(t, resp.Header.Get("Easel-Asset-Id"))
	return b.do(t, "PATCH", path, bytes.NewReader(data[half:]),
		"Tus-Resumable", "1.0.0", "Upload-Offset", strconv.Itoa(half), "Content-Type", "application/offset+octet-stream")
}

// TestResumableUploadThroughTheServer: a tus upload on /v1/uploads,
// authenticated with the API key, becomes an asset through the upload
// door; an upload the door refuses answers with its error.
func TestResumableUploadThroughTheServer(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	resp, out := tusUpload(t, b, noisePNG(t, 11, 48, 32))
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(out))
	id := resp.Header.Get("Easel-Asset-Id")
	require.NotEmpty(t, id)
	resp, out = b.do(t, "GET", "/v1/assets/"+id, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Contains(t, string(out), `"name":"noise.png"`)
	require.Contains(t, string(out), `"width":48`)

	resp, out = tusUpload(t, b, bytes.Repeat([]byte("not an image "), 100))
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, string(out))
	require.Equal(t, "unsupported_media", errorCode(t, out))

	req, err := http.NewRequest("POST", b.url+"/v1/uploads", nil)
	require.NoError(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", "10")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the API key is required")
}
