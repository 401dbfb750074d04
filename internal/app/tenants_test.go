package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/webhook"
)

// tenantFixture is one tenant of a running app with one of each thing it
// owns.
type tenantFixture struct {
	name    string
	id      string
	key     string // every scope
	asset   string
	task    string
	batch   string
	upload  string // an unfinished tus upload's path
	hook    string // its callback URL
	webhook []byte // its callback signing secret
}

// call sends a request with credential (an API key or upload token; ""
// for none) and returns the status, the error code ("" for a success) and
// the body.
func (b *bundle) call(t *testing.T, credential, method, path string, body []byte, header ...string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, bytes.NewReader(body))
	require.NoError(t, err)
	if credential != "" {
		req.Header.Set("Authorization", "Bearer "+credential)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	require.NoError(t, err)
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return resp.StatusCode, "", nil // a stream that would not end
	}
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	code := ""
	if resp.StatusCode >= 400 && len(out) > 0 && out[0] == '{' {
		code = errorCode(t, out)
	}
	return resp.StatusCode, code, out
}

func (b *bundle) callJSON(t *testing.T, credential, method, path string, body any, want int) map[string]any {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	status, _, out := b.call(t, credential, method, path, raw)
	require.Equal(t, want, status, "%s %s: %s", method, path, out)
	var v map[string]any
	require.NoError(t, json.Unmarshal(out, &v))
	return v
}

// newTusUpload starts a tus upload of n bytes and returns its path.
func (b *bundle) newTusUpload(t *testing.T, credential string, n int) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("POST", b.url+"/v1/uploads", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+credential)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.Itoa(n))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	code := ""
	if resp.StatusCode >= 400 {
		code = errorCode(t, out)
	}
	loc := resp.Header.Get("Location")
	if i := strings.Index(loc, "/v1/uploads/"); i >= 0 {
		loc = loc[i:]
	}
	return resp.StatusCode, code, loc
}

// hookRecorder records the callbacks it receives, by path.
type hookRecorder struct {
	mu   sync.Mutex
	got  map[string][]recordedHook
	srv  *httptest.Server
	seen chan struct{}
}

type recordedHook struct {
	header http.Header
	body   []byte
}

func newHookRecorder(t *testing.T) *hookRecorder {
	h := &hookRecorder{got: map[string][]recordedHook{}, seen: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got[r.URL.Path] = append(h.got[r.URL.Path], recordedHook{header: r.Header.Clone(), body: body})
		h.mu.Unlock()
		h.seen <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookRecorder) of(path string) []recordedHook {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]recordedHook(nil), h.got[path]...)
}

// thumbFlow writes a flows dir with one flow, thumb (image.render).
func thumbFlow(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "thumb.yaml"), []byte(`
name: thumb
steps:
  - id: thumb
    processor: image.render
    params: {ops: "w_32,f_png"}
outputs: [thumb]
`), 0o644))
	return dir
}

// startTenants runs an app with two tenants, alpha (the default) and beta,
// each owning an asset, a task with a callback, a batch and an unfinished
// tus upload.
func startTenants(t *testing.T, edit func(*config.Config)) (*bundle, *hookRecorder, [2]*tenantFixture) {
	t.Helper()
	hooks := newHookRecorder(t)
	flows := thumbFlow(t)
	b := start(t, func(c *config.Config) {
		c.Callbacks.AllowLoopback = true
		c.Flows.Dir = flows
		c.Vision.AnalyzeUploads = false
		if edit != nil {
			edit(c)
		}
	})
	ctx := context.Background()
	beta, err := b.app.Keys.CreateTenant(ctx, "beta")
	require.NoError(t, err)
	betaKey, _, err := b.app.Keys.CreateAPIKey(ctx, beta.ID, "beta")
	require.NoError(t, err)
	fx := [2]*tenantFixture{
		{name: "alpha", id: b.tenant, key: b.apiKey},
		{name: "beta", id: beta.ID, key: betaKey},
	}
	for i, f := range fx {
		f.webhook, err = b.app.Meta.WebhookSecret(ctx, f.id)
		require.NoError(t, err)
		f.hook = hooks.srv.URL + "/" + f.name
		status, _, out := b.call(t, f.key, "POST", "/v1/assets?analyze=false", noisePNG(t, uint64(100+i), 40, 30))
		require.Equal(t, http.StatusCreated, status, string(out))
		var a map[string]any
		require.NoError(t, json.Unmarshal(out, &a))
		f.asset = a["id"].(string)
		v := b.callJSON(t, f.key, "POST", "/v1/assets/"+f.asset+"/tasks?wait=20s",
			map[string]any{"ops": []string{"w_10,f_png"}, "callback_url": f.hook}, http.StatusOK)
		f.task = v["task"].(map[string]any)["id"].(string)
		v = b.callJSON(t, f.key, "POST", "/v1/batches",
			map[string]any{"items": []map[string]any{{"asset_id": f.asset, "ops": []string{"w_12,f_png"}}}}, http.StatusAccepted)
		f.batch = v["batch"].(map[string]any)["id"].(string)
		status, _, f.upload = b.newTusUpload(t, f.key, 1000)
		require.Equal(t, http.StatusCreated, status)
	}
	return b, hooks, fx
}

// TestTenantIsolation: for every endpoint, a tenant's key asking for the
// other tenant's asset, task, batch or upload gets exactly what it gets for
// one that does not exist (404 not_found), and nothing changes; a delivery
// URL signed with one tenant's key never renders the other's asset; each
// tenant's callbacks carry only its own tasks, signed with its own secret.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b, hooks, fx := startTenants(t, nil)
	missing := &tenantFixture{asset: easel.NewID(), task: easel.NewID(), batch: easel.NewID(), upload: "/v1/uploads/" + strings.Repeat("0", 32)}

	type endpoint struct {
		name   string
		method string
		path   func(o *tenantFixture) string
		body   func(o *tenantFixture) string
		header []string
	}
	asset := func(o *tenantFixture) string { return "/v1/assets/" + o.asset }
	noBody := func(*tenantFixture) string { return "" }
	tus := []string{"Tus-Resumable", "1.0.0"}
	endpoints := []endpoint{
		{"asset get", "GET", asset, noBody, nil},
		{"asset similar", "GET", func(o *tenantFixture) string { return asset(o) + "/similar" }, noBody, nil},
		{"asset delete", "DELETE", asset, noBody, nil},
		{"asset task", "POST", func(o *tenantFixture) string { return asset(o) + "/tasks" }, func(*tenantFixture) string { return `{"ops":["w_8,f_png"]}` }, nil},
		{"task get", "GET", func(o *tenantFixture) string { return "/v1/tasks/" + o.task }, noBody, nil},
		{"task retry", "POST", func(o *tenantFixture) string { return "/v1/tasks/" + o.task + "/retry" }, noBody, nil},
		{"task events", "GET", func(o *tenantFixture) string { return "/v1/tasks/" + o.task + "/events" }, noBody, nil},
		{"batch get", "GET", func(o *tenantFixture) string { return "/v1/batches/" + o.batch }, noBody, nil},
		{"batch of its asset", "POST", func(*tenantFixture) string { return "/v1/batches" }, func(o *tenantFixture) string {
			return `{"items":[{"asset_id":"` + o.asset + `","ops":["w_8,f_png"]}]}`
		}, nil},
		{"flow run", "POST", func(*tenantFixture) string { return "/v1/flows/thumb/run" }, func(o *tenantFixture) string { return `{"asset_id":"` + o.asset + `"}` }, nil},
		{"rules explain", "POST", func(*tenantFixture) string { return "/v1/rules/explain" }, func(o *tenantFixture) string { return `{"asset_id":"` + o.asset + `"}` }, nil},
		{"sign", "POST", func(*tenantFixture) string { return "/v1/sign" }, func(o *tenantFixture) string { return `{"asset_id":"` + o.asset + `","ops":"w_10"}` }, nil},
		{"tus head", "HEAD", func(o *tenantFixture) string { return o.upload }, noBody, tus},
		{"tus patch", "PATCH", func(o *tenantFixture) string { return o.upload }, func(*tenantFixture) string { return "hello" },
			append([]string{"Upload-Offset", "0", "Content-Type", "application/offset+octet-stream"}, tus...)},
		{"tus delete", "DELETE", func(o *tenantFixture) string { return o.upload }, noBody, tus},
	}
	for _, pair := range [][2]*tenantFixture{{fx[0], fx[1]}, {fx[1], fx[0]}} {
		me, other := pair[0], pair[1]
		for _, ep := range endpoints {
			t.Run(me.name+" on "+other.name+"'s/"+ep.name, func(t *testing.T) {
				status, code, out := b.call(t, me.key, ep.method, ep.path(other), []byte(ep.body(other)), ep.header...)
				mStatus, mCode, mOut := b.call(t, me.key, ep.method, ep.path(missing), []byte(ep.body(missing)), ep.header...)
				require.Equal(t, http.StatusNotFound, status, string(out))
				require.Equal(t, mStatus, status, "as for one that does not exist")
				require.Equal(t, mCode, code)
				if ep.method != "HEAD" {
					require.Equal(t, "not_found", code)
					anon := func(b []byte, f *tenantFixture) string {
						s := string(b)
						for _, id := range []string{f.asset, f.task, f.batch, strings.TrimPrefix(f.upload, "/v1/uploads/")} {
							s = strings.ReplaceAll(s, id, "ID")
						}
						return s
					}
					require.Equal(t, anon(mOut, missing), anon(out, other), "the message tells nothing more")
				}
			})
		}
	}

	// Nothing of either tenant changed, and each lists only its own.
	for i, f := range fx {
		other := fx[1-i]
		status, _, out := b.call(t, f.key, "GET", "/v1/assets/"+f.asset, nil)
		require.Equal(t, http.StatusOK, status, string(out))
		status, _, out = b.call(t, f.key, "HEAD", f.upload, nil, "Tus-Resumable", "1.0.0")
		require.Equal(t, http.StatusOK, status, "%s's upload survives: %s", f.name, out)
		status, _, out = b.call(t, f.key, "GET", "/v1/assets", nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, string(out), f.asset)
		require.NotContains(t, string(out), other.asset)
	}

	// Delivery: each tenant's key renders its own asset, never the other's.
	ctx := context.Background()
	for i, f := range fx {
		other := fx[1-i]
		own, err := b.app.Keys.SignPath(ctx, f.id, "w_16,f_png", f.asset, "")
		require.NoError(t, err)
		status, _, out := b.call(t, "", "GET", own, nil)
		require.Equal(t, http.StatusOK, status, string(out))
		cross, err := b.app.Keys.SignPath(ctx, f.id, "w_16,f_png", other.asset, "")
		require.NoError(t, err)
		for range 2 { // a miss, then with the other tenant's rendering in the caches
			status, code, out := b.call(t, "", "GET", cross, nil)
			require.Equal(t, http.StatusForbidden, status, "%s's key rendered %s's asset: %s", f.name, other.name, out)
			require.Equal(t, "permission_denied", code)
			theirs, err := b.app.Keys.SignPath(ctx, other.id, "w_16,f_png", other.asset, "")
			require.NoError(t, err)
			status, _, _ = b.call(t, "", "GET", theirs, nil)
			require.Equal(t, http.StatusOK, status)
		}
		// An overlay (l_) of the other tenant's asset is as unknown as a
		// missing one, in a delivery URL and in a task.
		for _, ov := range []string{other.asset, easel.NewID()} {
			p, err := b.app.Keys.SignPath(ctx, f.id, "w_40,l_"+ov+",f_png", f.asset, "")
			require.NoError(t, err)
			status, code, out := b.call(t, "", "GET", p, nil)
			require.Equal(t, http.StatusBadRequest, status, string(out))
			require.Equal(t, "invalid_argument", code)
			require.Contains(t, string(out), "overlay asset not found")
		}
		// POST /v1/sign signs only for the key's own tenant, with its key.
		v := b.callJSON(t, f.key, "POST", "/v1/sign", map[string]any{"asset_id": f.asset, "ops": "w_16,f_png"}, http.StatusOK)
		require.Equal(t, own, v["path"])
	}

	// Callbacks: each tenant's receiver gets its own task only, signed with
	// its own secret, which the other tenant's secret does not verify.
	for i, f := range fx {
		other := fx[1-i]
		require.Eventually(t, func() bool { return len(hooks.of("/"+f.name)) > 0 }, 30*time.Second, 50*time.Millisecond, "%s's callback", f.name)
		for _, h := range hooks.of("/" + f.name) {
			var msg struct {
				Data struct {
					ID      string `json:"id"`
					AssetID string `json:"asset_id"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(h.body, &msg))
			require.Equal(t, f.task, msg.Data.ID)
			require.Equal(t, f.asset, msg.Data.AssetID)
			require.NotContains(t, string(h.body), other.asset)
			require.NotContains(t, string(h.body), other.id)
			require.NoError(t, webhook.Verify(f.webhook, h.header, h.body, time.Hour, time.Now()))
			require.Error(t, webhook.Verify(other.webhook, h.header, h.body, time.Hour, time.Now()))
		}
	}
}

// TestScopes: each route needs its scope (403 scope_missing without it);
// an expired key is 401 key_expired.
func TestScopes(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) { c.Vision.AnalyzeUploads = false })
	ctx := context.Background()
	asset := b.upload(t, noisePNG(t, 30, 32, 32), "?analyze=false")["id"].(string)
	key := func(scopes ...easel.Scope) string {
		s, _, err := b.app.Keys.CreateAPIKey(ctx, b.tenant, "scoped", keys.WithScopes(scopes))
		require.NoError(t, err)
		return s
	}
	png := noisePNG(t, 31, 32, 32)
	type route struct {
		name, method, path, body string
		scope                    easel.Scope
		ok                       int
	}
	routes := []route{
		{"upload", "POST", "/v1/assets?analyze=false", string(png), easel.ScopeUpload, http.StatusCreated},
		{"upload token", "POST", "/v1/upload-tokens", `{}`, easel.ScopeUpload, http.StatusCreated},
		{"list", "GET", "/v1/assets", "", easel.ScopeRead, http.StatusOK},
		{"get", "GET", "/v1/assets/" + asset, "", easel.ScopeRead, http.StatusOK},
		{"sign", "POST", "/v1/sign", `{"asset_id":"` + asset + `","ops":"w_10"}`, easel.ScopeDeliver, http.StatusOK},
		{"task", "POST", "/v1/assets/" + asset + "/tasks", `{"ops":["w_10,f_png"]}`, easel.ScopeUpload, http.StatusAccepted},
		{"delete", "DELETE", "/v1/assets/" + asset, "", easel.ScopeAdmin, http.StatusNoContent},
	}
	for _, r := range routes {
		for _, sc := range easel.AllScopes {
			if sc == r.scope {
				continue
			}
			status, code, out := b.call(t, key(sc), r.method, r.path, []byte(r.body))
			require.Equal(t, http.StatusForbidden, status, "%s with %s: %s", r.name, sc, out)
			require.Equal(t, "scope_missing", code)
		}
		status, _, out := b.call(t, key(r.scope), r.method, r.path, []byte(r.body))
		require.Equal(t, r.ok, status, "%s with %s: %s", r.name, r.scope, out)
	}
	status, code, _ := b.newTusUpload(t, key(easel.ScopeRead), 10)
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "scope_missing", code)

	short, _, err := b.app.Keys.CreateAPIKey(ctx, b.tenant, "short", keys.WithExpiry(time.Second))
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond)
	status, code, _ = b.call(t, short, "GET", "/v1/assets", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "key_expired", code)
}

// TestUploadTokens: a token uploads (plain and tus) to its tenant within its
// constraints and does nothing else.
func TestUploadTokens(t *testing.T) {
	t.Parallel()
	b, _, fx := startTenants(t, nil)
	alpha, beta := fx[0], fx[1]
	png := noisePNG(t, 40, 40, 30)
	token := func(f *tenantFixture, req map[string]any) string {
		t.Helper()
		v := b.callJSON(t, f.key, "POST", "/v1/upload-tokens", req, http.StatusCreated)
		require.NotEmpty(t, v["expires_at"])
		return v["token"].(string)
	}
	assets := func(f *tenantFixture) int {
		t.Helper()
		status, _, out := b.call(t, f.key, "GET", "/v1/assets", nil)
		require.Equal(t, http.StatusOK, status)
		var v struct{ Items []any }
		require.NoError(t, json.Unmarshal(out, &v))
		return len(v.Items)
	}

	t.Run("uploads to its tenant, plain and tus", func(t *testing.T) {
		tok := token(beta, map[string]any{"expires_in": "10m", "max_bytes": len(png), "types": []string{"png"}})
		before := assets(beta)
		status, _, out := b.call(t, tok, "POST", "/v1/assets", png)
		require.Equal(t, http.StatusCreated, status, string(out))
		var a map[string]any
		require.NoError(t, json.Unmarshal(out, &a))
		require.Equal(t, beta.id, a["tenant_id"])

		tb := *b
		tb.apiKey = tok
		resp, out := tusUpload(t, &tb, png)
		require.Equal(t, http.StatusNoContent, resp.StatusCode, string(out))
		id := resp.Header.Get("Easel-Asset-Id")
		require.NotEmpty(t, id)
		status, _, _ = b.call(t, beta.key, "GET", "/v1/assets/"+id, nil)
		require.Equal(t, http.StatusOK, status, "the tus upload is beta's")
		status, _, _ = b.call(t, alpha.key, "GET", "/v1/assets/"+id, nil)
		require.Equal(t, http.StatusNotFound, status)
		require.Equal(t, before+2, assets(beta))
	})

	t.Run("over its byte cap", func(t *testing.T) {
		tok := token(alpha, map[string]any{"max_bytes": len(png) - 1})
		before := assets(alpha)
		status, code, out := b.call(t, tok, "POST", "/v1/assets", png)
		require.Equal(t, http.StatusRequestEntityTooLarge, status, string(out))
		require.Equal(t, "too_large", code)
		status, code, _ = b.newTusUpload(t, tok, len(png))
		require.Equal(t, http.StatusRequestEntityTooLarge, status)
		require.Equal(t, "too_large", code)
		// A raw body within the early check's slack is cut at the cap too.
		status, code, _ = b.call(t, tok, "POST", "/v1/assets", png, "Content-Type", "application/octet-stream")
		require.Equal(t, http.StatusRequestEntityTooLarge, status)
		require.Equal(t, "too_large", code)
		require.Equal(t, before, assets(alpha), "nothing stored")
	})

	t.Run("a type it does not allow", func(t *testing.T) {
		tok := token(alpha, map[string]any{"types": []string{"jpeg"}})
		before := assets(alpha)
		status, code, out := b.call(t, tok, "POST", "/v1/assets", png)
		require.Equal(t, http.StatusUnsupportedMediaType, status, string(out))
		require.Equal(t, "unsupported_media", code)
		require.Equal(t, before, assets(alpha), "nothing stored")
	})

	t.Run("ops and flow are the token's", func(t *testing.T) {
		tok := token(alpha, map[string]any{"ops": []string{"w_20,f_png"}})
		status, _, out := b.call(t, tok, "POST", "/v1/assets?ops=w_999,f_jpeg&wait=20s", png)
		require.Equal(t, http.StatusOK, status, string(out))
		require.Contains(t, string(out), `"ops":["w_20,f_png"]`)
		require.NotContains(t, string(out), "w_999")

		tok = token(alpha, map[string]any{"flow": "thumb"})
		status, _, out = b.call(t, tok, "POST", "/v1/assets?wait=20s", png)
		require.Equal(t, http.StatusOK, status, string(out))
		require.Contains(t, string(out), `"kind":"flow"`)

		status, code, _ := b.call(t, alpha.key, "POST", "/v1/upload-tokens", []byte(`{"flow":"nope"}`))
		require.Equal(t, http.StatusNotFound, status)
		require.Equal(t, "not_found", code)
		status, code, _ = b.call(t, alpha.key, "POST", "/v1/upload-tokens", []byte(`{"ops":["w_0"]}`))
		require.Equal(t, http.StatusBadRequest, status)
		require.Equal(t, "invalid_argument", code)
		status, code, _ = b.call(t, alpha.key, "POST", "/v1/upload-tokens", []byte(`{"expires_in":"48h"}`))
		require.Equal(t, http.StatusBadRequest, status)
		require.Equal(t, "invalid_argument", code)
	})

	t.Run("expired", func(t *testing.T) {
		tok := token(alpha, map[string]any{"expires_in": "1s"})
		status, code, _ := b.newTusUpload(t, tok, 10)
		require.Equal(t, http.StatusCreated, status, code)
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(2 * time.Second)))
		status, code, out := b.call(t, tok, "POST", "/v1/assets", png)
		require.Equal(t, http.StatusUnauthorized, status, string(out))
		require.Equal(t, "token_expired", code)
		status, code, _ = b.newTusUpload(t, tok, 10)
		require.Equal(t, http.StatusUnauthorized, status)
		require.Equal(t, "token_expired", code)
	})

	t.Run("used for another tenant", func(t *testing.T) {
		tok := token(alpha, nil)
		for _, ep := range [][2]string{{"HEAD", beta.upload}, {"DELETE", beta.upload}} {
			status, _, _ := b.call(t, tok, ep[0], ep[1], nil, "Tus-Resumable", "1.0.0")
			require.Equal(t, http.StatusNotFound, status, ep[0])
		}
		status, _, _ := b.call(t, tok, "PATCH", beta.upload, []byte("x"), "Tus-Resumable", "1.0.0", "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")
		require.Equal(t, http.StatusNotFound, status)
		status, _, _ = b.call(t, beta.key, "HEAD", beta.upload, nil, "Tus-Resumable", "1.0.0")
		require.Equal(t, http.StatusOK, status, "beta's upload is untouched")

		// A token rewritten to name beta does not verify.
		body, sig, _ := strings.Cut(tok, ".")
		var c keys.UploadClaims
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(body, keys.UploadTokenPrefix))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &c))
		c.TenantID = beta.id
		payload, err := json.Marshal(c)
		require.NoError(t, err)
		forged := keys.UploadTokenPrefix + base64.RawURLEncoding.EncodeToString(payload) + "." + sig
		status, code, _ := b.call(t, forged, "POST", "/v1/assets", png)
		require.Equal(t, http.StatusUnauthorized, status)
		require.Equal(t, "unauthenticated", code)
	})

	t.Run("on a non-upload endpoint", func(t *testing.T) {
		tok := token(alpha, nil)
		for _, ep := range []struct{ method, path, body string }{
			{"GET", "/v1/assets", ""},
			{"GET", "/v1/assets/" + alpha.asset, ""},
			{"DELETE", "/v1/assets/" + alpha.asset, ""},
			{"GET", "/v1/assets/" + alpha.asset + "/similar", ""},
			{"POST", "/v1/assets/" + alpha.asset + "/tasks", `{"ops":["w_10"]}`},
			{"GET", "/v1/tasks/" + alpha.task, ""},
			{"GET", "/v1/tasks/" + alpha.task + "/events", ""},
			{"POST", "/v1/tasks/" + alpha.task + "/retry", ""},
			{"GET", "/v1/batches/" + alpha.batch, ""},
			{"POST", "/v1/batches", `{"items":[]}`},
			{"GET", "/v1/flows", ""},
			{"POST", "/v1/flows/thumb/run", `{"asset_id":"` + alpha.asset + `"}`},
			{"POST", "/v1/rules/explain", `{"asset_id":"` + alpha.asset + `"}`},
			{"POST", "/v1/sign", `{"asset_id":"` + alpha.asset + `","ops":"w_10"}`},
			{"POST", "/v1/upload-tokens", `{}`},
		} {
			status, code, out := b.call(t, tok, ep.method, ep.path, []byte(ep.body))
			require.Equal(t, http.StatusForbidden, status, "%s %s: %s", ep.method, ep.path, out)
			require.Equal(t, "scope_missing", code, "%s %s", ep.method, ep.path)
		}
		status, _, _ := b.call(t, alpha.key, "GET", "/v1/assets/"+alpha.asset, nil)
		require.Equal(t, http.StatusOK, status, "the asset is still there")
	})
}

// TestDisabledTenant: a disabled tenant's API keys, upload tokens and
// delivery URLs are refused with tenant_disabled; the other tenant goes on.
func TestDisabledTenant(t *testing.T) {
	t.Parallel()
	b, _, fx := startTenants(t, func(c *config.Config) { c.Keys.Refresh = 100 * time.Millisecond })
	alpha, beta := fx[0], fx[1]
	ctx := context.Background()
	v := b.callJSON(t, beta.key, "POST", "/v1/upload-tokens", map[string]any{}, http.StatusCreated)
	tok := v["token"].(string)
	url, err := b.app.Keys.SignPath(ctx, beta.id, "w_16,f_png", beta.asset, "")
	require.NoError(t, err)
	status, _, _ := b.call(t, "", "GET", url, nil)
	require.Equal(t, http.StatusOK, status)

	// Disabled as `easel tenant disable` does, from another process: in the store.
	now := time.Now()
	require.NoError(t, b.app.Meta.SetTenantDisabled(ctx, beta.id, &now))
	status, code, _ := b.call(t, beta.key, "GET", "/v1/assets", nil)
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "tenant_disabled", code, "API keys at once")
	require.Eventually(t, func() bool {
		_, code, _ := b.call(t, "", "GET", url, nil)
		return code == "tenant_disabled"
	}, 5*time.Second, 20*time.Millisecond, "delivery URLs within keys.refresh, the memory cache included")
	status, code, _ = b.call(t, tok, "POST", "/v1/assets", noisePNG(t, 50, 20, 20))
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "tenant_disabled", code)
	status, code, _ = b.newTusUpload(t, tok, 10)
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "tenant_disabled", code)

	status, _, _ = b.call(t, alpha.key, "GET", "/v1/assets", nil)
	require.Equal(t, http.StatusOK, status, "the other tenant goes on")
	own, err := b.app.Keys.SignPath(ctx, alpha.id, "w_16,f_png", alpha.asset, "")
	require.NoError(t, err)
	status, _, _ = b.call(t, "", "GET", own, nil)
	require.Equal(t, http.StatusOK, status)

	require.NoError(t, b.app.Keys.EnableTenant(ctx, beta.id))
	status, _, _ = b.call(t, "", "GET", url, nil)
	require.Equal(t, http.StatusOK, status, "enabled again")
	status, _, _ = b.call(t, beta.key, "GET", "/v1/assets", nil)
	require.Equal(t, http.StatusOK, status)
}
