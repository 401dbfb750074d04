package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/transform"
)

// series is one sample of a /metrics scrape.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads /metrics into its samples.
func (b *bundle) scrape(t *testing.T) []series {
	t.Helper()
	resp, out := b.do(t, "GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var all []series
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		require.NoError(t, err, line)
		s := series{name: line[:sp], labels: map[string]string{}, value: v}
		if i := strings.IndexByte(line, '{'); i >= 0 && i < sp {
			s.name = line[:i]
			for _, kv := range strings.Split(strings.TrimSuffix(line[i+1:sp], "}"), `",`) {
				k, v, _ := strings.Cut(kv, "=")
				s.labels[k] = strings.Trim(v, `"`)
			}
		}
		all = append(all, s)
	}
	return all
}

// value sums the samples of name whose labels include want.
func value(all []series, name string, want map[string]string) (float64, bool) {
	sum, found := 0.0, false
	for _, s := range all {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
				break
			}
		}
		if match {
			sum, found = sum+s.value, true
		}
	}
	return sum, found
}

// TestPerEffectSeries runs an upload with operations and a callback, the
// task, two deliveries and a batch of client reports through the whole
// app, then checks every stage's histogram on /metrics with its labels.
func TestPerEffectSeries(t *testing.T) {
	t.Parallel()
	var hooks atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hooks.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	b := start(t, func(c *config.Config) {
		c.Callbacks.AllowLoopback = true
		c.Metrics.Region = "eu-west"
	})
	ctx := t.Context()
	_, err := b.app.Keys.RotateWebhookSecret(ctx, b.tenant)
	require.NoError(t, err)

	// Upload with operations whose heaviest is e_blur, waiting for the task.
	resp, out := b.do(t, "POST", "/v1/assets?analyze=false&wait=20s&ops=w_40,e_blur:2,f_png&callback_url="+hook.URL+"/hook",
		bytes.NewReader(noisePNG(t, 3, 96, 64)))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	var answer struct {
		Task struct {
			State   string `json:"state"`
			AssetID string `json:"asset_id"`
		} `json:"task"`
	}
	require.NoError(t, json.Unmarshal(out, &answer))
	task := answer.Task
	require.Equal(t, "succeeded", task.State, string(out))
	require.Eventually(t, func() bool { return hooks.Load() >= 1 }, 20*time.Second, 20*time.Millisecond, "callback delivered")

	// Two deliveries of w_30: a render, then a memory hit; and a bad signature.
	sk, err := b.app.Keys.CreateSigningKey(ctx, b.tenant)
	require.NoError(t, err)
	path := transform.SignedPath(sk.Secret, "w_30,f_png", task.AssetID, "")
	for _, layer := range []string{"render", "memory"} {
		resp, out := b.do(t, "GET", path, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
		require.Equal(t, layer, resp.Header.Get("X-Easel-Cache"))
	}
	resp, _ = b.do(t, "GET", "/i/AAAAAAAAAAAAAAAAAAAAAA/w_30/"+task.AssetID, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	// Client reports.
	resp, out = b.do(t, "POST", "/v1/reports", strings.NewReader(`{"reports":[
		{"effect":"blur","upload_ms":120,"wait_ms":40,"download_ms":60,"network":"wifi","country":"FR"},
		{"effect":"blur","upload_ms":300,"network":"4g","failed_stage":"download"}]}`))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))

	tenant := b.tenant
	var all []series
	require.Eventually(t, func() bool {
		all = b.scrape(t)
		_, ok := value(all, "easel_effect_stage_seconds_count", map[string]string{"stage": "callback"})
		return ok
	}, 10*time.Second, 50*time.Millisecond, "the callback is observed after it is recorded")
	for _, stage := range []string{"upload", "queue_wait", "download", "process", "store", "callback"} {
		n, ok := value(all, "easel_effect_stage_seconds_count", map[string]string{"stage": stage, "effect": "blur", "tenant": tenant, "region": "eu-west"})
		require.True(t, ok, "stage %s observed", stage)
		require.Equal(t, 1.0, n, "stage %s", stage)
	}
	for _, layer := range []string{"render", "memory"} {
		n, ok := value(all, "easel_effect_delivery_seconds_count", map[string]string{"effect": "w", "tenant": tenant, "region": "eu-west", "cache": layer})
		require.True(t, ok, "delivery from %s observed", layer)
		require.Equal(t, 1.0, n, layer)
	}
	n, ok := value(all, "easel_effect_failures_total", map[string]string{"stage": "delivery", "code": "permission_denied", "region": "eu-west"})
	require.True(t, ok)
	require.Equal(t, 1.0, n)
	n, _ = value(all, "easel_client_reports_total", map[string]string{"effect": "blur", "tenant": tenant, "region": "eu-west", "failed_stage": "download", "network": "4g"})
	require.Equal(t, 1.0, n)
	n, _ = value(all, "easel_client_seconds_count", map[string]string{"measure": "total", "effect": "blur", "network": "wifi"})
	require.Equal(t, 1.0, n, "failed reports are counted, not timed")

	// The stats of the reports.
	resp, out = b.do(t, "GET", "/v1/stats?by=effect,network&step=1m", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	var st struct {
		Groups []struct {
			Key         map[string]string `json:"key"`
			Count       int64             `json:"count"`
			FailureRate float64           `json:"failure_rate"`
			P50         float64           `json:"p50"`
			Series      []struct {
				T     time.Time `json:"t"`
				Count int64     `json:"count"`
			} `json:"series"`
		} `json:"groups"`
	}
	require.NoError(t, json.Unmarshal(out, &st), string(out))
	require.Len(t, st.Groups, 2, string(out))
	byNet := map[string]int{}
	for i, g := range st.Groups {
		byNet[g.Key["network"]] = i
		require.Equal(t, "blur", g.Key["effect"])
		require.Len(t, g.Series, 1)
	}
	wifi, g4 := st.Groups[byNet["wifi"]], st.Groups[byNet["4g"]]
	require.InEpsilon(t, 220, wifi.P50, 0.045)
	require.Equal(t, 1.0, g4.FailureRate)

	// The server's own figures, once the recorder flushed.
	require.NoError(t, b.app.ServerFigures.Flush(ctx))
	resp, out = b.do(t, "GET", "/v1/stats?source=server&by=effect,stage", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	var srv struct {
		Source string `json:"source"`
		Groups []struct {
			Key   map[string]string `json:"key"`
			Count int64             `json:"count"`
			P50   float64           `json:"p50"`
		} `json:"groups"`
	}
	require.NoError(t, json.Unmarshal(out, &srv), string(out))
	require.Equal(t, "server", srv.Source)
	stages := map[string]int64{}
	for _, g := range srv.Groups {
		if g.Key["effect"] == "blur" {
			stages[g.Key["stage"]] = g.Count
			require.Positive(t, g.P50, "%v", g.Key)
		}
	}
	for _, stage := range []string{"upload", "queue_wait", "process", "store", "callback"} {
		require.Equal(t, int64(1), stages[stage], "server figure of %s: %s", stage, out)
	}

	resp, out = b.do(t, "GET", "/v1/stats?by=colour", nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "invalid_argument", errorCode(t, out))
	resp, out = b.do(t, "POST", "/v1/reports", strings.NewReader(`{"reports":[{"effect":"w","upload_ms":-1}]}`))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(out), "reports[0].upload_ms", fmt.Sprint("the field is named"))
}

// TestPerEffectSeriesOff checks metrics.effects: false leaves the series
// out of /metrics.
func TestPerEffectSeriesOff(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) { c.Metrics.Effects = false })
	b.upload(t, noisePNG(t, 4, 32, 32), "?analyze=false")
	for _, s := range b.scrape(t) {
		require.False(t, strings.HasPrefix(s.name, "easel_effect_") || strings.HasPrefix(s.name, "easel_client_"), s.name)
	}
}
