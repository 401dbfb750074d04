package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/source"
)

// remote is a running App with a loopback origin serving a.png (120x90).
type remote struct {
	*bundle
	origin *httptest.Server
	hits   atomic.Int32
}

const (
	thumborKey  = "MY_SECURE_KEY"
	imgproxyKey = "943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881"
	imgproxySlt = "520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5"
)

func startRemote(t *testing.T, edit func(*config.Config, string)) *remote {
	t.Helper()
	rm := &remote{}
	img := noisePNG(t, 3, 120, 90)
	rm.origin = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rm.hits.Add(1)
		switch r.URL.Path {
		case "/img/a.png":
			w.Header().Set("ETag", `"a1"`)
			_, _ = w.Write(img)
		case "/img/to-metadata.png":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(rm.origin.Close)
	rm.bundle = start(t, func(c *config.Config) {
		c.Sources = map[string]source.Origin{
			"local":  {URL: rm.origin.URL + "/img/", AllowLoopback: true},
			"named":  {URL: rm.origin.URL + "/img/", AllowLoopback: true, Tenants: []string{"default"}},
			"closed": {URL: rm.origin.URL + "/img/", AllowLoopback: true, Tenants: []string{"someone-else"}},
		}
		c.Compat.Thumbor = config.Thumbor{Enabled: true, SecurityKey: thumborKey, Source: "local", Tenant: "compat"}
		c.Compat.Imgproxy = config.Imgproxy{Enabled: true, Keys: []string{imgproxyKey}, Salts: []string{imgproxySlt}, Tenant: "compat"}
		if edit != nil {
			edit(c, rm.origin.URL)
		}
	})
	return rm
}

// srcURL signs a src: delivery path with the default tenant's key.
func (b *bundle) srcURL(t *testing.T, ops, name, path string) string {
	t.Helper()
	p, err := b.app.Keys.SignPath(context.Background(), b.tenant, ops, "src:"+name+"/"+path, "")
	require.NoError(t, err)
	return p
}

func imageSize(t *testing.T, data []byte) (int, int) {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	require.NoError(t, err)
	return cfg.Width, cfg.Height
}

// thumborSign is thumbor's documented signature
// (https://thumbor.readthedocs.io/en/latest/security.html): HMAC-SHA1 of
// the path after the signature, URL-safe base64.
func thumborSign(path string) string {
	m := hmac.New(sha1.New, []byte(thumborKey))
	m.Write([]byte(path))
	return base64.URLEncoding.EncodeToString(m.Sum(nil))
}

// imgproxySign is imgproxy's documented signature
// (https://docs.imgproxy.net/usage/signing_url): HMAC-SHA256 under the key
// of salt + path, URL-safe base64 without padding.
func imgproxySign(t *testing.T, path string) string {
	key, err := hex.DecodeString(imgproxyKey)
	require.NoError(t, err)
	salt, err := hex.DecodeString(imgproxySlt)
	require.NoError(t, err)
	m := hmac.New(sha256.New, key)
	m.Write(salt)
	m.Write([]byte(path))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestSourceDelivery(t *testing.T) {
	t.Parallel()
	rm := startRemote(t, nil)
	path := rm.srcURL(t, "w_60,f_png", "local", "a.png")

	resp, out := rm.do(t, "GET", path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	w, h := imageSize(t, out)
	require.Equal(t, [2]int{60, 45}, [2]int{w, h})
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	require.NotEmpty(t, resp.Header.Get("Cache-Control"))

	resp, _ = rm.do(t, "GET", path, nil, "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	resp, _ = rm.do(t, "GET", path, nil)
	require.Equal(t, "memory", resp.Header.Get("X-Easel-Cache"))
	require.EqualValues(t, 1, rm.hits.Load(), "the original is fetched once, then served from the blob cache")

	resp, out = rm.do(t, "GET", rm.srcURL(t, "w_30", "named", "a.png"), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "a source listing the tenant by name: %s", out)

	tests := []struct {
		name string
		path string
		want int
		code string
	}{
		{"unsigned", "/i/_/w_60/src:local/a.png", http.StatusForbidden, "permission_denied"},
		{"signature of other operations", strings.Replace(path, "/w_60,", "/w_61,", 1), http.StatusForbidden, "permission_denied"},
		{"source closed to the tenant", rm.srcURL(t, "w_60", "closed", "a.png"), http.StatusNotFound, "not_found"},
		{"unknown source", rm.srcURL(t, "w_60", "nope", "a.png"), http.StatusNotFound, "not_found"},
		{"missing at the origin", rm.srcURL(t, "w_60", "local", "missing.png"), http.StatusNotFound, "not_found"},
		{"dot-dot path", rm.srcURL(t, "w_60", "local", "%2e%2e/secret.png"), http.StatusBadRequest, "invalid_argument"},
		{"redirect to a metadata address", rm.srcURL(t, "w_60", "local", "to-metadata.png"), http.StatusForbidden, "permission_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := rm.do(t, "GET", tt.path, nil)
			require.Equal(t, tt.want, resp.StatusCode, string(out))
			require.Equal(t, tt.code, errorCode(t, out))
		})
	}
}

func TestThumborEndpoint(t *testing.T) {
	t.Parallel()
	rm := startRemote(t, nil)
	rest := "50x40/a.png"
	resp, out := rm.do(t, "GET", "/thumbor/"+thumborSign(rest)+"/"+rest, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	w, h := imageSize(t, out)
	require.Equal(t, [2]int{50, 40}, [2]int{w, h})
	require.NotEmpty(t, resp.Header.Get("ETag"))

	full := "fit-in/60x60/" + rm.origin.URL + "/img/a.png"
	resp, out = rm.do(t, "GET", "/thumbor/"+thumborSign(full)+"/"+full, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	w, h = imageSize(t, out)
	require.Equal(t, [2]int{60, 45}, [2]int{w, h}, "a full URL inside a source, the // kept")

	meta := "meta/50x40/a.png"
	resp, out = rm.do(t, "GET", "/thumbor/"+thumborSign(meta)+"/"+meta, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var m struct {
		Thumbor struct {
			Source struct{ Width, Height int }
			Target struct{ Width, Height int }
		}
	}
	require.NoError(t, json.Unmarshal(out, &m), string(out))
	require.Equal(t, 120, m.Thumbor.Source.Width)
	require.Equal(t, 50, m.Thumbor.Target.Width)
	require.Equal(t, 40, m.Thumbor.Target.Height)

	tests := []struct {
		name, path string
		want       int
	}{
		{"wrong signature", "/thumbor/" + thumborSign("50x41/a.png") + "/" + rest, http.StatusForbidden},
		{"unsafe refused", "/thumbor/unsafe/" + rest, http.StatusForbidden},
		{"URL outside every source", "/thumbor/" + thumborSign("50x40/http://127.0.0.2/a.png") + "/50x40/http://127.0.0.2/a.png", http.StatusForbidden},
		{"unsupported item", "/thumbor/" + thumborSign("trim/50x40/a.png") + "/trim/50x40/a.png", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := rm.do(t, "GET", tt.path, nil)
			require.Equal(t, tt.want, resp.StatusCode, string(out))
		})
	}
}

func TestThumborUnsafeAllowed(t *testing.T) {
	t.Parallel()
	rm := startRemote(t, func(c *config.Config, _ string) { c.Compat.Thumbor.AllowUnsafe = true })
	resp, out := rm.do(t, "GET", "/thumbor/unsafe/30x20/a.png", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	w, h := imageSize(t, out)
	require.Equal(t, [2]int{30, 20}, [2]int{w, h})
}

func TestImgproxyEndpoint(t *testing.T) {
	t.Parallel()
	rm := startRemote(t, nil)
	rest := "/rs:fit:40:40/fn:shoe/att:1/plain/" + rm.origin.URL + "/img/a.png@png"
	resp, out := rm.do(t, "GET", "/imgproxy/"+imgproxySign(t, rest)+rest, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	w, h := imageSize(t, out)
	require.Equal(t, [2]int{40, 30}, [2]int{w, h})
	require.Equal(t, `attachment; filename=shoe.png`, resp.Header.Get("Content-Disposition"))

	b64 := "/w:20/" + base64.RawURLEncoding.EncodeToString([]byte(rm.origin.URL+"/img/a.png")) + ".png"
	resp, out = rm.do(t, "GET", "/imgproxy/"+imgproxySign(t, b64)+b64, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	w, _ = imageSize(t, out)
	require.Equal(t, 20, w)

	expired := "/exp:" + strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10) + "/w:20/plain/" + rm.origin.URL + "/img/a.png"
	tests := []struct {
		name, path string
		want       int
	}{
		{"wrong signature", "/imgproxy/" + imgproxySign(t, "/w:21/plain/x") + "/w:20/plain/" + rm.origin.URL + "/img/a.png", http.StatusForbidden},
		{"insecure refused", "/imgproxy/insecure/w:20/plain/" + rm.origin.URL + "/img/a.png", http.StatusForbidden},
		{"expired", "/imgproxy/" + imgproxySign(t, expired) + expired, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := rm.do(t, "GET", tt.path, nil)
			require.Equal(t, tt.want, resp.StatusCode, string(out))
		})
	}
}
