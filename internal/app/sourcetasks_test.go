package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSourceTasks: POST /v1/tasks, a batch item and a flow run may name a
// source image; hostile ones are refused with their status and code before
// anything is queued; a good one is fetched and imported by the worker,
// and the same image is one asset however many tasks name it.
func TestSourceTasks(t *testing.T) {
	t.Parallel()
	rm := startRemote(t, nil)
	refused := []struct {
		name, body string
		status     int
		code       string
	}{
		{"unknown source", `{"source":"nowhere","path":"a.png","ops":["w_10,f_png"]}`, http.StatusNotFound, "not_found"},
		{"tenant not allowed", `{"source":"closed","path":"a.png","ops":["w_10,f_png"]}`, http.StatusNotFound, "not_found"},
		{"dot segments", `{"source":"local","path":"../a.png","ops":["w_10,f_png"]}`, http.StatusBadRequest, "invalid_argument"},
		{"asset and source", `{"asset_id":"x","source":"local","path":"a.png","ops":["w_10,f_png"]}`, http.StatusBadRequest, "invalid_argument"},
	}
	for _, tt := range refused {
		resp, out := rm.do(t, "POST", "/v1/tasks", strings.NewReader(tt.body))
		require.Equal(t, tt.status, resp.StatusCode, "%s: %s", tt.name, out)
		require.Equal(t, tt.code, errorCode(t, out), tt.name)
		resp, out = rm.do(t, "POST", "/v1/batches", strings.NewReader(`{"items":[`+tt.body+`]}`))
		require.Equal(t, tt.status, resp.StatusCode, "batch %s: %s", tt.name, out)
	}
	require.Zero(t, rm.hits.Load(), "nothing was fetched")

	asset := func(name, body string) string {
		t.Helper()
		resp, out := rm.do(t, "POST", "/v1/tasks?wait=30s", strings.NewReader(body))
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
		var v struct {
			Task struct {
				State   string `json:"state"`
				AssetID string `json:"asset_id"`
				Source  struct{ Name, Path string }
				Outputs []struct {
					URL string `json:"url"`
				} `json:"outputs"`
			} `json:"task"`
		}
		require.NoError(t, json.Unmarshal(out, &v))
		require.Equal(t, "succeeded", v.Task.State, string(out))
		require.NotEmpty(t, v.Task.AssetID)
		require.Equal(t, name, v.Task.Source.Name)
		resp, img := rm.do(t, "GET", v.Task.Outputs[0].URL, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		w, _ := imageSize(t, img)
		require.Equal(t, 30, w)
		return v.Task.AssetID
	}
	first := asset("local", `{"source":"local","path":"a.png","ops":["w_30,f_png"]}`)
	second := asset("named", `{"source":"named","path":"/a.png","ops":["w_30,f_jpeg"]}`) // listed by tenant name; another source: another asset
	again := asset("local", `{"source":"local","path":"/a.png","ops":["w_30,f_webp"]}`)
	require.Equal(t, first, again, "the same image at the same path is one asset")
	require.NotEqual(t, first, second)
	resp, out := rm.do(t, "GET", "/v1/assets/"+first, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
}
