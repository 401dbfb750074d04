package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// flowFiles writes a processors dir (the stamp and fail shell processors of
// internal/flow/processor/testdata) and a flows dir, readable by the
// sandbox's unprivileged user.
func flowFiles(t *testing.T) (procs, flows, rules string) {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.Chmod(filepath.Dir(root), 0o755))
	require.NoError(t, os.Chmod(root, 0o755))
	procs, flows = filepath.Join(root, "processors"), filepath.Join(root, "flows")
	require.NoError(t, os.Mkdir(procs, 0o755))
	require.NoError(t, os.Mkdir(flows, 0o755))
	for _, f := range []string{"stamp.yaml", "stamp.sh", "fail.yaml", "fail.sh"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "internal", "flow", "processor", "testdata", "processors", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(procs, f), data, 0o644))
	}
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(flows, name), []byte(body), 0o644))
	}
	write("thumb-stamp.yaml", `
name: thumb-stamp
version: 2
steps:
  - id: thumb
    processor: image.render
    params: {ops: "w_200,f_png"}
  - id: stamp
    processor: stamp
    input: thumb
    params: {label: e2e}
outputs: [thumb, stamp.info]
`)
	write("breaks.yaml", `
name: breaks
steps:
  - id: thumb
    processor: image.render
    params: {ops: "w_100,f_jpeg"}
  - id: bad
    processor: fail
    input: thumb
    params: {status: 65}
  - id: after
    processor: image.render
    input: thumb
    params: {ops: "w_50,f_png"}
`)
	rules = filepath.Join(root, "rules.yaml")
	require.NoError(t, os.WriteFile(rules, []byte(`
- name: tiny
  when: "short_side < 100"
  flow: breaks
- name: wide
  when: "width > 2000 && format == 'jpeg'"
  flow: thumb-stamp
  params: {stamp: {label: ruled}}
`), 0o644))
	return procs, flows, rules
}

func TestFlowsRunValidateAndStream(t *testing.T) {
	t.Parallel()
	procs, flows, rules := flowFiles(t)
	s := startServer(t, "EASEL_PROCESSORS_DIR="+procs, "EASEL_FLOWS_DIR="+flows, "EASEL_RULES_FILE="+rules)
	photo := testimages.Path(t, "photos/plasma_ColorfulCups_2560x1600.jpg")

	status, body := s.apiCall(t, "GET", "/v1/flows", nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	var names []string
	for _, f := range body["flows"].([]any) {
		names = append(names, f.(map[string]any)["name"].(string))
	}
	require.Equal(t, []string{"breaks", "thumb-stamp"}, names)
	status, body = s.apiCall(t, "GET", "/v1/flows/thumb-stamp", nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.EqualValues(t, 2, body["version"])
	resp, ready := s.get(t, "/readyz")
	require.Equal(t, http.StatusOK, resp.StatusCode, string(ready))
	require.Contains(t, string(ready), "sandbox:")

	status, body = s.uploadWith(t, photo, "?rules=false")
	require.Equal(t, http.StatusCreated, status, "no rules, no task: %v", body)
	assetID, _ := body["id"].(string)
	if assetID == "" {
		assetID, _ = field(body, "asset", "id").(string)
	}
	require.NotEmpty(t, assetID, "%v", body)

	// Synchronous: 200 with the finished task and its outputs.
	status, body = s.apiCall(t, "POST", "/v1/flows/thumb-stamp/run?wait=30s", map[string]any{
		"asset_id": assetID, "params": map[string]any{"stamp": map[string]any{"label": "overridden"}}})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "succeeded", field(body, "task", "state"), "%v", body)
	require.Equal(t, "flow", field(body, "task", "kind"))
	outputs := field(body, "task", "outputs").([]any)
	require.Len(t, outputs, 2, "%v", outputs)
	thumb, info := outputs[0].(map[string]any), outputs[1].(map[string]any)
	require.Equal(t, "thumb.image", thumb["ops"])
	require.Equal(t, "png", thumb["format"])
	require.EqualValues(t, 200, thumb["width"])
	require.EqualValues(t, 125, thumb["height"])
	require.Greater(t, thumb["bytes"].(float64), 100.0)
	require.True(t, strings.HasPrefix(thumb["key"].(string), "tasks/"+field(body, "task", "id").(string)+"/"), "%v", thumb)
	require.Equal(t, "stamp.info", info["ops"])
	require.Equal(t, "json", info["format"])

	// Rules: explained, and applied to an upload with no operations.
	status, body = s.apiCall(t, "POST", "/v1/rules/explain", map[string]any{"asset_id": assetID})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "wide", field(body, "matched", "rule"), "%v", body)
	require.Len(t, body["rules"], 2)
	status, body = s.uploadWith(t, photo, "?wait=30s")
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "flow", field(body, "task", "kind"), "%v", body)
	require.Equal(t, "succeeded", field(body, "task", "state"), "%v", body)

	// Bad parameters: 400 before anything is queued.
	for name, params := range map[string]map[string]any{
		"out of range":  {"stamp": map[string]any{"copies": 9}},
		"unknown param": {"stamp": map[string]any{"colour": "red"}},
		"unknown step":  {"nope": map[string]any{}},
		"bad ops":       {"thumb": map[string]any{"ops": "w_0"}},
	} {
		status, body = s.apiCall(t, "POST", "/v1/flows/thumb-stamp/run?wait=5s", map[string]any{"asset_id": assetID, "params": params})
		require.Equal(t, http.StatusBadRequest, status, "%s: %v", name, body)
		require.Nil(t, body["task"], name)
	}
	status, _ = s.apiCall(t, "POST", "/v1/flows/nope/run", map[string]any{"asset_id": assetID})
	require.Equal(t, http.StatusNotFound, status)

	// A failing middle step: dead at process:<step> with its code.
	status, body = s.apiCall(t, "POST", "/v1/flows/breaks/run?wait=30s", map[string]any{"asset_id": assetID})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "dead", field(body, "task", "state"), "%v", body)
	require.Equal(t, "process:bad", field(body, "task", "error", "stage"))
	require.NotEmpty(t, field(body, "task", "error", "code"))

	// Asynchronous, followed with server-sent events until it succeeds.
	status, body = s.apiCall(t, "POST", "/v1/flows/thumb-stamp/run", map[string]any{"asset_id": assetID})
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	id := field(body, "task", "id").(string)
	req, _ := http.NewRequest("GET", s.base+"/v1/tasks/"+id+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	client := &http.Client{Timeout: 60 * time.Second}
	sse, err := client.Do(req)
	require.NoError(t, err)
	defer sse.Body.Close()
	require.Equal(t, http.StatusOK, sse.StatusCode)
	require.Equal(t, "text/event-stream", sse.Header.Get("Content-Type"))
	var states []string
	sc := bufio.NewScanner(sse.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok && event == "task" {
			var task map[string]any
			require.NoError(t, json.Unmarshal([]byte(v), &task))
			states = append(states, task["state"].(string))
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, states)
	require.Equal(t, "succeeded", states[len(states)-1], "the stream ends with the final state: %v", states)

	status, _ = s.apiCall(t, "GET", "/v1/tasks/nope/events", nil)
	require.Equal(t, http.StatusNotFound, status)
}
