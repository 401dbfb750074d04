package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/vision/fingerprint"
	"github.com/easelhq/easel/transform"
)

// bundle is a running App (role serve) reached over HTTP.
type bundle struct {
	app    *App
	url    string
	apiKey string
	tenant string
}

// start builds the App from the defaults changed by edit, runs it on a free
// loopback port, and stops it when the test ends.
func start(t testing.TB, edit func(*config.Config), opts ...Option) *bundle {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.Vision.Dir = filepath.Join(cfg.Data, "no-vision") // the pigo fallback: no model needed
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	if edit != nil {
		edit(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, RoleAll, log, opts...)
	require.NoError(t, err)
	apiKey, err := a.Keys.Bootstrap(ctx)
	require.NoError(t, err)
	tenant, err := a.Keys.DefaultTenant(ctx)
	require.NoError(t, err)
	addrs := make(chan net.Addr, 1)
	ran := make(chan error, 1)
	go func() { ran <- a.Run(ctx, func(addr net.Addr) { addrs <- addr }) }()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-ran:
		t.Fatalf("app stopped before listening: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-ran)
		require.NoError(t, a.Close())
	})
	return &bundle{app: a, url: "http://" + addr.String(), apiKey: apiKey, tenant: tenant.ID}
}

func (b *bundle) do(t testing.TB, method, path string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, body)
	require.NoError(t, err)
	if strings.HasPrefix(path, "/v1/") {
		req.Header.Set("Authorization", "Bearer "+b.apiKey)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, out
}

// upload posts data as the raw body and returns the decoded answer.
func (b *bundle) upload(t testing.TB, data []byte, query string) map[string]any {
	t.Helper()
	resp, out := b.do(t, "POST", "/v1/assets"+query, bytes.NewReader(data))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	var v map[string]any
	require.NoError(t, json.Unmarshal(out, &v))
	return v
}

// noisePNG is a w x h PNG of seeded noise: a real image for libvips.
func noisePNG(t *testing.T, seed uint64, w, h int) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(r.IntN(256)), G: uint8(x * 4), B: uint8(y * 4), A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Error struct{ Code string } }
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e.Error.Code
}

func TestMaxUploadBytesIsEnforced(t *testing.T) {
	t.Parallel()
	data := noisePNG(t, 1, 32, 32)
	b := start(t, func(c *config.Config) { c.Limits.MaxUploadBytes = int64(len(data)) })

	b.upload(t, data, "?analyze=false") // exactly the limit
	over := append(append([]byte(nil), data...), 0)
	resp, out := b.do(t, "POST", "/v1/assets?analyze=false", bytes.NewReader(over))
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, string(out))
	require.Equal(t, "too_large", errorCode(t, out))

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "a.png")
	require.NoError(t, err)
	_, _ = fw.Write(over)
	require.NoError(t, mw.Close())
	resp, out = b.do(t, "POST", "/v1/assets?analyze=false", &body, "Content-Type", mw.FormDataContentType())
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, string(out))
}

func TestCallbackURLGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		allowLoopback bool
		want          int
	}{
		{"loopback refused by default", false, http.StatusBadRequest},
		{"loopback allowed when configured", true, http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := start(t, func(c *config.Config) { c.Callbacks.AllowLoopback = tt.allowLoopback })
			asset := b.upload(t, noisePNG(t, 2, 32, 32), "?analyze=false")
			req := `{"ops":["w_10,f_png"],"callback_url":"http://127.0.0.1:9/hook"}`
			resp, out := b.do(t, "POST", fmt.Sprintf("/v1/assets/%s/tasks", asset["id"]), strings.NewReader(req))
			require.Equal(t, tt.want, resp.StatusCode, string(out))
			if tt.want == http.StatusBadRequest {
				require.Equal(t, "invalid_argument", errorCode(t, out))
			}
		})
	}
}

// hashAt returns h with its lowest n bits flipped: at distance n.
func hashAt(h uint64, n int) uint64 { return h ^ (1<<n - 1) }

func similarIDs(t *testing.T, items any) map[string]int {
	t.Helper()
	out := map[string]int{}
	list, _ := items.([]any)
	for _, it := range list {
		m := it.(map[string]any)
		out[m["asset_id"].(string)] = int(m["distance"].(float64))
	}
	return out
}

func TestSimilarSearchDistanceSettings(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) { c.Vision.NearDuplicateDistance = 4 })
	ctx := context.Background()
	query := b.upload(t, noisePNG(t, 3, 32, 32), "?analyze=false")["id"].(string)
	near := b.upload(t, noisePNG(t, 4, 32, 32), "?analyze=false")["id"].(string)
	const base = uint64(0x0123456789abcdef)
	require.NoError(t, b.app.Meta.SetAnalysis(ctx, query, easel.Analysis{PHash: fingerprint.Hex(base), Faces: []easel.Face{}, AnalyzedAt: time.Now()}))
	require.NoError(t, b.app.Meta.SetAnalysis(ctx, near, easel.Analysis{PHash: fingerprint.Hex(hashAt(base, 5)), Faces: []easel.Face{}, AnalyzedAt: time.Now()}))

	tests := []struct {
		query string
		found bool
	}{
		{"", false},                // vision.near_duplicate_distance: 4
		{"?max_distance=4", false}, // the request's max_distance
		{"?max_distance=5", true},
		{"?max_distance=16", true},
	}
	for _, tt := range tests {
		resp, out := b.do(t, "GET", "/v1/assets/"+query+"/similar"+tt.query, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
		var v map[string]any
		require.NoError(t, json.Unmarshal(out, &v))
		ids := similarIDs(t, v["items"])
		if tt.found {
			require.Equal(t, map[string]int{near: 5}, ids, tt.query)
		} else {
			require.Empty(t, ids, tt.query)
		}
	}
	resp, out := b.do(t, "GET", "/v1/assets/"+query+"/similar?max_distance=17", nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(out))
}

func TestUploadNearDuplicateSettings(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) {
		c.Vision.NearDuplicateDistance = 3
		c.Vision.NearDuplicateLimit = 1
	})
	ctx := context.Background()
	data := noisePNG(t, 5, 48, 48)
	h, err := render.PHash(ctx, b.app.engine, data) // the hash the upload computes
	require.NoError(t, err)
	first := b.upload(t, noisePNG(t, 6, 32, 32), "?analyze=false")["id"].(string)
	second := b.upload(t, noisePNG(t, 7, 32, 32), "?analyze=false")["id"].(string)
	// probe uploads data and deletes it again, so the worker's analysis of
	// it does not join the index, and returns the near duplicates reported.
	probe := func() map[string]int {
		v := b.upload(t, data, "")
		resp, out := b.do(t, "DELETE", "/v1/assets/"+v["id"].(string), nil)
		require.Equal(t, http.StatusNoContent, resp.StatusCode, string(out))
		return similarIDs(t, v["near_duplicates"])
	}
	setHash := func(id string, d int) {
		require.NoError(t, b.app.Meta.SetAnalysis(ctx, id, easel.Analysis{PHash: fingerprint.Hex(hashAt(h, d)), Faces: []easel.Face{}, AnalyzedAt: time.Now()}))
	}

	setHash(first, 4)
	setHash(second, 16)
	require.Empty(t, probe(), "distance 4 is past the setting of 3")

	setHash(first, 3)
	require.Equal(t, map[string]int{first: 3}, probe())

	setHash(second, 1)
	require.Equal(t, map[string]int{second: 1}, probe(),
		"near_duplicate_limit 1: the nearest only")
}

// TestRevokedSigningKeyStopsEverywhere revokes a key as another node would
// (in the store): within keys.refresh, URLs signed with it are refused, a
// render already in the memory cache included.
func TestRevokedSigningKeyStopsEverywhere(t *testing.T) {
	t.Parallel()
	const refresh = 200 * time.Millisecond
	b := start(t, func(c *config.Config) { c.Keys.Refresh = refresh })
	ctx := context.Background()
	asset := b.upload(t, noisePNG(t, 8, 64, 64), "?analyze=false")["id"].(string)
	sk, err := b.app.Keys.CreateSigningKey(ctx, b.tenant)
	require.NoError(t, err)
	cached := transform.SignedPath(sk.Secret, "w_20", asset, "")
	for _, layer := range []string{"render", "memory"} {
		resp, out := b.do(t, "GET", cached, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
		require.Equal(t, layer, resp.Header.Get("X-Easel-Cache"))
	}
	other, err := b.app.Keys.SignPath(ctx, b.tenant, "w_24", asset, "")
	require.NoError(t, err)
	require.Equal(t, transform.SignedPath(sk.Secret, "w_24", asset, ""), other, "new URLs use the newest key")

	revoked := time.Now()
	require.NoError(t, b.app.Meta.RevokeSigningKey(ctx, sk.ID, revoked))
	fresh := transform.SignedPath(sk.Secret, "w_30", asset, "")
	status := func(path string) int {
		resp, _ := b.do(t, "GET", path, nil)
		return resp.StatusCode
	}
	require.Eventually(t, func() bool { return status(cached) == http.StatusForbidden }, 10*refresh, 10*time.Millisecond)
	require.Less(t, time.Since(revoked), 2*refresh+time.Second, "within the documented bound")
	require.Equal(t, http.StatusForbidden, status(fresh), "a URL newly signed with the revoked key")

	// The bootstrap key still signs and verifies.
	still, err := b.app.Keys.SignPath(ctx, b.tenant, "w_20", asset, "")
	require.NoError(t, err)
	require.NotEqual(t, cached, still)
	require.Equal(t, http.StatusOK, status(still))
}
