package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/testimages"
)

// TestTruncatedJPEGIsRefused: an image whose header probes fine but whose
// data is cut is refused with 415 and nothing is stored, unless
// ?verify=false (then it is stored, "verified": false).
func TestTruncatedJPEGIsRefused(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	data, err := os.ReadFile(testimages.Path(t, "photos/mate_Wood.jpg"))
	require.NoError(t, err)
	truncated := data[:len(data)*2/3]

	resp, out := b.do(t, "POST", "/v1/assets?analyze=false", bytes.NewReader(truncated))
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, string(out))
	require.Equal(t, "unsupported_media", errorCode(t, out))
	list, _, err := b.app.Meta.ListAssets(context.Background(), b.tenant, easel.ListPage{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, list, "nothing is recorded")

	whole := b.upload(t, data, "?analyze=false")
	require.Equal(t, true, whole["verified"])
	kept := b.upload(t, truncated, "?analyze=false&verify=false")
	require.Equal(t, false, kept["verified"])
}

const hostileSVG = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="30" onload="alert(1)">
<script>alert(2)</script>
<a xlink:href="javascript:alert(3)"><rect width="40" height="30" fill="red" onclick="alert(4)"/></a>
<foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><script>alert(5)</script></body></foreignObject>
</svg>`

// TestSVGIsSanitisedAndServedSafely: an uploaded SVG is stored without its
// scripts, handlers and javascript: links, and its original ("-") is served
// with a CSP that forbids everything and as an attachment.
func TestSVGIsSanitisedAndServedSafely(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	a := b.upload(t, []byte(hostileSVG), "?analyze=false")
	require.Equal(t, "svg", a["format"])
	sha := a["sha256"].(string)
	rc, err := b.app.Blobs.Get(context.Background(), easel.OriginalKey(sha))
	require.NoError(t, err)
	var stored bytes.Buffer
	_, err = stored.ReadFrom(rc)
	require.NoError(t, err)
	rc.Close()
	for _, bad := range []string{"<script", "onload", "onclick", "javascript:", "foreignObject", "alert"} {
		require.NotContains(t, stored.String(), bad)
	}
	require.Contains(t, stored.String(), "<rect", "the drawing is kept")

	path, err := b.app.Keys.SignPath(context.Background(), b.tenant, "-", a["id"].(string), "")
	require.NoError(t, err)
	resp, out := b.do(t, "GET", path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Equal(t, "image/svg+xml", resp.Header.Get("Content-Type"))
	require.Equal(t, "default-src 'none'; sandbox", resp.Header.Get("Content-Security-Policy"))
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment"))
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.NotContains(t, string(out), "script")

	// A rasterised render needs neither header.
	path, err = b.app.Keys.SignPath(context.Background(), b.tenant, "w_20,f_png", a["id"].(string), "")
	require.NoError(t, err)
	resp, out = b.do(t, "GET", path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Empty(t, resp.Header.Get("Content-Disposition"))
}

// TestIdempotentUpload: a retry with the same Idempotency-Key (the client
// never saw the first answer) gets the first asset and makes no second one;
// the key with another body is 422 idempotency_key_reused; keys belong to
// the request's tenant.
func TestIdempotentUpload(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	data := noisePNG(t, 21, 40, 40)
	post := func(body []byte, key string) (*http.Response, []byte) {
		return b.do(t, "POST", "/v1/assets?analyze=false", bytes.NewReader(body), "Idempotency-Key", key)
	}
	resp, first := post(data, "order-42")
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(first))
	resp, again := post(data, "order-42")
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(again))
	var a1, a2 map[string]any
	require.NoError(t, json.Unmarshal(first, &a1))
	require.NoError(t, json.Unmarshal(again, &a2))
	require.Equal(t, a1["id"], a2["id"], "the retry returns the first asset")
	list, _, err := b.app.Meta.ListAssets(context.Background(), b.tenant, easel.ListPage{Limit: 10})
	require.NoError(t, err)
	require.Len(t, list, 1, "one asset")

	resp, out := post(noisePNG(t, 22, 40, 40), "order-42")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, string(out))
	require.Equal(t, "idempotency_key_reused", errorCode(t, out))

	resp, out = post(data, "bad key")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(out))

	resp, out = post(data, "order-43")
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	var a3 map[string]any
	require.NoError(t, json.Unmarshal(out, &a3))
	require.NotEqual(t, a1["id"], a3["id"], "another key, another asset")
}
