package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
)

// addTenant creates another tenant with an API key and a signing key, and
// returns its ID and API key.
func (b *bundle) addTenant(t *testing.T, name string) (string, string) {
	t.Helper()
	ctx := context.Background()
	tn := easel.Tenant{ID: easel.NewID(), Name: name, CreatedAt: time.Now()}
	require.NoError(t, b.app.Meta.CreateTenant(ctx, tn))
	secret, _, err := b.app.Keys.CreateAPIKey(ctx, tn.ID, "test")
	require.NoError(t, err)
	_, err = b.app.Keys.CreateSigningKey(ctx, tn.ID)
	require.NoError(t, err)
	return tn.ID, secret
}

// doAs is do with another tenant's API key.
func (b *bundle) doAs(t *testing.T, apiKey, method, path string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, out
}

func (b *bundle) setPolicy(t *testing.T, p easel.TenantPolicy) {
	t.Helper()
	require.NoError(t, b.app.Meta.SetTenantPolicy(context.Background(), p))
	b.app.Quotas.Invalidate(p.TenantID)
}

func requireRetryAfter(t *testing.T, resp *http.Response, max int) int {
	t.Helper()
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", resp.Header.Get("Retry-After"))
	require.GreaterOrEqual(t, n, 1)
	require.LessOrEqual(t, n, max)
	return n
}

// TestRenderSlotsAreSharedFairly: one tenant floods distinct renders (more
// than the slots and the queue hold) while another renders one image after
// another; every request of the quiet tenant is served, within its share,
// and the flooding tenant is the one refused.
func TestRenderSlotsAreSharedFairly(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) {
		c.Render.Concurrency = 2
		c.Render.QueueLength = 6
		c.Render.CacheBytes = 0
		c.Render.StoreVariants = false
		c.Render.Levels = nil
	})
	quietTenant, quietKey := b.addTenant(t, "quiet")
	ctx := context.Background()
	img := noisePNG(t, 3, 1200, 900)
	floodAsset := b.upload(t, img, "?analyze=false")["id"].(string)
	resp, out := b.doAs(t, quietKey, "POST", "/v1/assets?analyze=false", bytes.NewReader(img))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	var qa map[string]any
	require.NoError(t, json.Unmarshal(out, &qa))
	quietAsset := qa["id"].(string)

	stop := make(chan struct{})
	var stopOnce sync.Once
	var (
		wg                       sync.WaitGroup
		floodOK, floodRefused, n atomic.Int64
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				path, err := b.app.Keys.SignPath(ctx, b.tenant, fmt.Sprintf("w_%d,f_jpeg", 200+n.Add(1)%900), floodAsset, "")
				require.NoError(t, err)
				resp, body := b.do(t, "GET", path, nil)
				switch resp.StatusCode {
				case http.StatusOK:
					floodOK.Add(1)
				case http.StatusTooManyRequests:
					floodRefused.Add(1)
					time.Sleep(5 * time.Millisecond) // as a client would, briefly
				default:
					t.Errorf("flood: %d %s", resp.StatusCode, body)
				}
			}
		}()
	}
	t.Cleanup(func() { stopOnce.Do(func() { close(stop) }); wg.Wait() }) // before the app stops
	// Let the flood fill the slots and the queue.
	require.Eventually(t, func() bool { return b.app.Delivery.InFlight() >= 6 }, 10*time.Second, time.Millisecond)

	var slowest time.Duration
	for i := range 8 {
		path, err := b.app.Keys.SignPath(ctx, quietTenant, fmt.Sprintf("w_%d,f_jpeg", 100+i), quietAsset, "")
		require.NoError(t, err)
		began := time.Now()
		resp, out := b.do(t, "GET", path, nil)
		slowest = max(slowest, time.Since(began))
		require.Equal(t, http.StatusOK, resp.StatusCode, "quiet render %d: %s", i, out)
		require.Equal(t, "render", resp.Header.Get("X-Easel-Cache"))
	}
	stopOnce.Do(func() { close(stop) })
	wg.Wait()
	t.Logf("quiet: 8 of 8 served, slowest %s; flood: %d served, %d refused", slowest, floodOK.Load(), floodRefused.Load())
	require.Positive(t, floodOK.Load(), "the flooding tenant still gets its share")
	require.Positive(t, floodRefused.Load(), "the flooding tenant is the one refused")
}

// TestRendersPerSecond: a tenant whose policy allows 1 render a second
// with a burst of 2 gets 429 rate_limited with Retry-After on the third
// render at once; another tenant is not limited, and a cached render is
// no render.
func TestRendersPerSecond(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) { c.Render.Levels = nil })
	other, otherKey := b.addTenant(t, "other")
	ctx := context.Background()
	rate, burst := 1.0, int64(2)
	b.setPolicy(t, easel.TenantPolicy{TenantID: b.tenant, RendersPerSecond: &rate, RenderBurst: &burst})
	img := noisePNG(t, 5, 300, 200)
	mine := b.upload(t, img, "?analyze=false")["id"].(string)
	resp, out := b.doAs(t, otherKey, "POST", "/v1/assets?analyze=false", bytes.NewReader(img))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	var oa map[string]any
	require.NoError(t, json.Unmarshal(out, &oa))

	get := func(tenant, asset, ops string) (*http.Response, []byte) {
		path, err := b.app.Keys.SignPath(ctx, tenant, ops, asset, "")
		require.NoError(t, err)
		return b.do(t, "GET", path, nil)
	}
	for _, ops := range []string{"w_10", "w_11"} {
		resp, out := get(b.tenant, mine, ops)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	}
	resp, out = get(b.tenant, mine, "w_12")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, string(out))
	require.Equal(t, "rate_limited", errorCode(t, out))
	requireRetryAfter(t, resp, 1)
	resp, _ = get(b.tenant, mine, "w_10")
	require.Equal(t, http.StatusOK, resp.StatusCode, "a cached rendering is served")
	for i := range 5 {
		resp, out := get(other, oa["id"].(string), fmt.Sprintf("w_%d", 20+i))
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	}
	time.Sleep(1100 * time.Millisecond)
	resp, out = get(b.tenant, mine, "w_12")
	require.Equal(t, http.StatusOK, resp.StatusCode, "a token came back: %s", out)
}

// TestUploadsPerMinuteAndStoredBytes: past its uploads per minute a tenant
// gets 429 rate_limited with a Retry-After within the minute, and another
// tenant is not limited; past its stored bytes, 429 quota_exceeded; usage
// reports both.
func TestUploadsPerMinuteAndStoredBytes(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	_, otherKey := b.addTenant(t, "other")
	perMinute := int64(2)
	b.setPolicy(t, easel.TenantPolicy{TenantID: b.tenant, UploadsPerMinute: &perMinute})

	b.upload(t, noisePNG(t, 1, 40, 40), "?analyze=false")
	b.upload(t, noisePNG(t, 2, 40, 40), "?analyze=false")
	resp, out := b.do(t, "POST", "/v1/assets?analyze=false", bytes.NewReader(noisePNG(t, 3, 40, 40)))
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, string(out))
	require.Equal(t, "rate_limited", errorCode(t, out))
	requireRetryAfter(t, resp, 60)
	for i := range 3 {
		resp, out := b.doAs(t, otherKey, "POST", "/v1/assets?analyze=false", bytes.NewReader(noisePNG(t, uint64(10+i), 40, 40)))
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	}

	var u struct {
		StoredBytes    int64 `json:"stored_bytes"`
		Assets         int64 `json:"assets"`
		UploadsLastMin int64 `json:"uploads_last_minute"`
		Limits         struct {
			MaxStoredBytes   int64 `json:"max_stored_bytes"`
			UploadsPerMinute int64 `json:"uploads_per_minute"`
		} `json:"limits"`
		Remaining struct {
			StoredBytes       *int64 `json:"stored_bytes"`
			UploadsThisMinute *int64 `json:"uploads_this_minute"`
		} `json:"remaining"`
	}
	resp, out = b.do(t, "GET", "/v1/usage", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.NoError(t, json.Unmarshal(out, &u))
	require.Equal(t, int64(2), u.Assets)
	require.Equal(t, int64(2), u.UploadsLastMin)
	require.Equal(t, int64(2), u.Limits.UploadsPerMinute)
	require.NotNil(t, u.Remaining.UploadsThisMinute)
	require.Zero(t, *u.Remaining.UploadsThisMinute)
	require.Nil(t, u.Remaining.StoredBytes, "no stored-bytes quota")
	stored := u.StoredBytes
	require.Positive(t, stored)

	// Stored bytes: room for one more small image, not for a large one.
	quota := stored + 3000
	b.setPolicy(t, easel.TenantPolicy{TenantID: b.tenant, MaxStoredBytes: &quota})
	small := noisePNG(t, 4, 20, 20)
	require.Less(t, len(small), 3000)
	b.upload(t, small, "?analyze=false")
	resp, out = b.do(t, "POST", "/v1/assets?analyze=false", bytes.NewReader(noisePNG(t, 5, 200, 200)))
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, string(out))
	require.Equal(t, "quota_exceeded", errorCode(t, out))
	requireRetryAfter(t, resp, 3600)

	// A tus upload declaring more than the room left is refused at creation.
	resp, out = b.do(t, "POST", "/v1/uploads", nil, "Tus-Resumable", "1.0.0", "Upload-Length", "100000")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, string(out))
	require.Equal(t, "quota_exceeded", errorCode(t, out))
	requireRetryAfter(t, resp, 3600)

	resp, out = b.do(t, "GET", "/v1/usage", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.NoError(t, json.Unmarshal(out, &u))
	require.Equal(t, int64(3), u.Assets)
	require.Equal(t, stored+int64(len(small)), u.StoredBytes)
	require.Equal(t, quota-u.StoredBytes, *u.Remaining.StoredBytes)

	resp, out = b.do(t, "GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(out), `easel_tenant_limited_total{limit="uploads",tenant="`+b.tenant+`"} 1`)
	require.Contains(t, string(out), `easel_tenant_limited_total{limit="stored_bytes",tenant="`+b.tenant+`"} 2`)
}
