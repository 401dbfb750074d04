package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/meta/postgres/pgtest"
	"github.com/easelhq/easel/internal/queue/queuetest"
	"github.com/easelhq/easel/internal/testimages"
)

// noRedirect is a client that returns redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// renderSucceeded reads a worker's count of render attempts that
// succeeded from its /metrics.
func renderSucceeded(t *testing.T, metricsAddr string) int {
	t.Helper()
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^easel_task_attempts_total\{kind="render",state="succeeded"\} (\d+)`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(string(m[1]))
	require.NoError(t, err)
	return n
}

// TestTwoRegions runs the eu and us regions on one machine: an API and a
// worker each, sharing PostgreSQL, NATS and the blob folder. An upload in
// eu is recorded in eu and its task runs on the eu worker only (it waits
// while only the us worker runs); the us API answers 307 to the eu API for
// the eu asset, its task and its delivery URL, and serves its own.
func TestTwoRegions(t *testing.T) {
	t.Parallel()
	photo := testimages.Path(t, "photos/plasma_ColorfulCups_2560x1600.jpg")
	pg := pgtest.Start(t)
	nats := queuetest.StartServer(t)
	euPort, usPort := freePort(t), freePort(t)
	euBase, usBase := fmt.Sprintf("http://127.0.0.1:%d", euPort), fmt.Sprintf("http://127.0.0.1:%d", usPort)
	data := t.TempDir()
	env := []string{
		"EASEL_QUEUE_URL=" + nats.URL(),
		"EASEL_META_BACKEND=postgres", "EASEL_META_POSTGRES_URL=" + pg.NewSchema(t),
		"EASEL_REGIONS=eu=" + euBase + ";us=" + usBase + "/",
	}
	eu := startRole(t, "api", data, append(env, "EASEL_REGION=eu", "EASEL_ADDR="+euBase[len("http://"):])...)
	require.NotEmpty(t, eu.apiKey)
	us := startRole(t, "api", data, append(env, "EASEL_REGION=us", "EASEL_ADDR="+usBase[len("http://"):])...)
	us.apiKey = eu.apiKey
	require.Equal(t, usBase, us.base)
	usMetrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	startRole(t, "worker", data, append(env, "EASEL_REGION=us", "EASEL_WORKER_METRICS_ADDR="+usMetrics)...)

	// An unknown region is refused before anything is stored.
	status, body := us.uploadWith(t, photo, "?region=mars")
	require.Equal(t, http.StatusBadRequest, status, "%v", body)
	require.Equal(t, "invalid_argument", field(body, "error", "code"), "%v", body)

	// eu: recorded in eu; only a us worker runs, so its task waits.
	status, body = eu.uploadWith(t, photo, "?wait=3s", [2]string{"ops", "w_300,f_webp"})
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	euAsset := field(body, "asset", "id").(string)
	require.Equal(t, "eu", field(body, "asset", "region"), "%v", body)
	euTask := field(body, "task", "id").(string)
	require.Equal(t, "queued", field(body, "task", "state"), "a us worker does not take an eu task: %v", body)

	// us: its own worker runs it.
	status, body = us.uploadWith(t, photo, "?wait=30s", [2]string{"ops", "w_300,f_webp"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "us", field(body, "asset", "region"), "%v", body)
	require.Equal(t, "succeeded", field(body, "task", "state"), "%v", body)
	usAsset := field(body, "asset", "id").(string)
	usOut := field(body, "task", "outputs").([]any)[0].(map[string]any)["url"].(string)

	// The us API sends requests for the eu asset and task to eu, path and
	// query kept; its own it serves.
	get := func(base, path string) *http.Response {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+eu.apiKey)
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, path := range []string{"/v1/assets/" + euAsset + "?x=1", "/v1/tasks/" + euTask} {
		resp := get(usBase, path)
		require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, path)
		require.Equal(t, euBase+path, resp.Header.Get("Location"))
	}
	require.Equal(t, http.StatusOK, get(usBase, "/v1/assets/"+usAsset).StatusCode)
	require.Equal(t, http.StatusOK, get(euBase, "/v1/assets/"+euAsset).StatusCode)
	// A POST is redirected too (307 keeps the method and body).
	req, _ := http.NewRequest("POST", usBase+"/v1/assets/"+euAsset+"/tasks", nil)
	req.Header.Set("Authorization", "Bearer "+eu.apiKey)
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	require.Equal(t, euBase+"/v1/assets/"+euAsset+"/tasks", resp.Header.Get("Location"))
	// Another tenant's key, or none, learns nothing of the asset's region.
	req, _ = http.NewRequest("GET", usBase+"/v1/assets/"+euAsset, nil)
	resp, err = noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// The eu worker starts: the eu task runs there, and the us worker ran
	// only the us one.
	euMetrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	startRole(t, "worker", data, append(env, "EASEL_REGION=us", "EASEL_WORKER_REGIONS=eu", "EASEL_WORKER_METRICS_ADDR="+euMetrics)...)
	task := eu.waitTask(t, euTask, 60*time.Second)
	require.Equal(t, "succeeded", task["state"], "%v", task)
	require.Equal(t, "eu", task["region"], "%v", task)
	require.Equal(t, 1, renderSucceeded(t, euMetrics), "the eu worker ran the eu render")
	require.Equal(t, 1, renderSucceeded(t, usMetrics), "the us worker ran the us render only")

	// Delivery: the eu output at us is a 307 to eu, which renders it.
	euOut := task["outputs"].([]any)[0].(map[string]any)["url"].(string)
	resp = get(usBase, euOut)
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	require.Equal(t, euBase+euOut, resp.Header.Get("Location"))
	resp, img := eu.get(t, euOut)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", img)
	resp, img = us.get(t, euOut) // followed
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", img)
	require.Equal(t, http.StatusOK, get(usBase, usOut).StatusCode)
}
