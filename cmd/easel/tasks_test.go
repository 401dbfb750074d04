package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
	"github.com/easelhq/easel/internal/webhook"
)

// apiCall sends a JSON (or empty) request with the API key and decodes the answer.
func (s *server) apiCall(t testing.TB, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), string(raw))
	}
	return resp.StatusCode, m
}

// uploadWith uploads a file with extra multipart fields (ops repeated) and a query.
func (s *server) uploadWith(t testing.TB, path, query string, fields ...[2]string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filepath.Base(path))
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	_, _ = fw.Write(data)
	for _, f := range fields {
		require.NoError(t, mw.WriteField(f[0], f[1]))
	}
	require.NoError(t, mw.Close())
	req, _ := http.NewRequest("POST", s.base+"/v1/assets"+query, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// waitTask polls a task until it is final.
func (s *server) waitTask(t *testing.T, id string, within time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		status, task := s.apiCall(t, "GET", "/v1/tasks/"+id, nil)
		require.Equal(t, http.StatusOK, status, "%v", task)
		if st := task["state"]; st == "succeeded" || st == "dead" {
			return task
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s not final after %s: %v", id, within, task)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUploadWithOpsWaitAndPoll(t *testing.T) {
	t.Parallel()
	photo := testimages.Path(t, "photos/plasma_ColorfulCups_2560x1600.jpg")
	big := testimages.Path(t, "photos/lomiri16_seeding_by_Clements_Engelhardt.jpg")
	s := startServer(t)

	status, body := s.uploadWith(t, photo, "?wait=10s", [2]string{"ops", "w_1200,f_webp"}, [2]string{"ops", "w_300,h_300,c_fill,f_jpeg"})
	require.Equal(t, http.StatusOK, status, "done within the wait: %v", body)
	require.Equal(t, "succeeded", field(body, "task", "state"))
	require.NotEmpty(t, field(body, "asset", "id"))
	outputs := field(body, "task", "outputs").([]any)
	require.Len(t, outputs, 2)
	first := outputs[0].(map[string]any)
	require.Equal(t, "webp", first["format"])
	require.EqualValues(t, 1200, first["width"])
	require.EqualValues(t, 750, first["height"])
	resp, img := s.get(t, first["url"].(string))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "store", resp.Header.Get("X-Easel-Cache"), "the task stored what the URL serves")
	require.EqualValues(t, len(img), first["bytes"])
	timings := field(body, "task", "timings").(map[string]any)
	for _, k := range []string{"queue_wait_ms", "download_ms", "process_ms", "store_ms"} {
		require.Contains(t, timings, k)
	}
	require.Greater(t, timings["process_ms"].(float64), 0.0)

	// Too short a wait: 202 with the task to poll.
	status, body = s.uploadWith(t, big, "?wait=1ms", [2]string{"ops", "w_2000,f_avif"})
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	id := field(body, "task", "id").(string)
	require.Contains(t, []any{"queued", "running", "accepted"}, field(body, "task", "state"))
	task := s.waitTask(t, id, 30*time.Second)
	require.Equal(t, "succeeded", task["state"])
	require.EqualValues(t, 1, task["attempts"])

	// A task on an asset already stored, and bad requests.
	assetID := field(body, "asset", "id").(string)
	status, body = s.apiCall(t, "POST", "/v1/assets/"+assetID+"/tasks?wait=20s", map[string]any{"ops": []string{"w_100,e_grayscale,f_png"}})
	require.Equal(t, http.StatusOK, status, "%v", body)
	status, body = s.apiCall(t, "POST", "/v1/assets/"+assetID+"/tasks", map[string]any{"ops": []string{"w_0"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, field(body, "error", "message"), "w_0")
	status, _ = s.apiCall(t, "POST", "/v1/assets/"+assetID+"/tasks", map[string]any{"ops": []string{"w_10,f_auto"}})
	require.Equal(t, http.StatusBadRequest, status, "f_auto needs an Accept header")
	status, body = s.apiCall(t, "POST", "/v1/assets/"+assetID+"/tasks", map[string]any{"ops": []string{"w_10"}, "callback_url": "http://10.0.0.1/hook"})
	require.Equal(t, http.StatusBadRequest, status, "private callback targets are refused: %v", body)
	status, _ = s.uploadWith(t, photo, "", [2]string{"ops", "w_0"})
	require.Equal(t, http.StatusBadRequest, status, "bad ops refuse the upload before it is stored")
	status, _ = s.apiCall(t, "GET", "/v1/tasks/"+assetID, nil)
	require.Equal(t, http.StatusNotFound, status)
}

func TestBatchOf300(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	var ids []string
	for _, f := range []string{"formats/libvips_1.webp", "faces/pillow_hopper.jpg", "formats/go_benchRGB-interlace.png"} {
		status, a := s.upload(t, testimages.Path(t, f))
		require.Equal(t, http.StatusCreated, status)
		ids = append(ids, a["id"].(string))
	}
	var items []map[string]any
	for i := 0; i < 300; i++ {
		items = append(items, map[string]any{"asset_id": ids[i%3], "ops": []string{fmt.Sprintf("w_%d,f_jpeg", 20+i)}})
	}
	status, body := s.apiCall(t, "POST", "/v1/batches", map[string]any{"items": items})
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	batchID := field(body, "batch", "id").(string)
	require.Len(t, body["task_ids"], 300)

	deadline := time.Now().Add(90 * time.Second)
	for {
		status, b := s.apiCall(t, "GET", "/v1/batches/"+batchID, nil)
		require.Equal(t, http.StatusOK, status)
		counts := b["counts"].(map[string]any)
		sum := 0.0
		for _, n := range counts {
			sum += n.(float64)
		}
		require.EqualValues(t, 300, sum, "every task is counted in exactly one state: %v", counts)
		if b["done"] == true {
			require.EqualValues(t, 300, counts["succeeded"], "%v", counts)
			break
		}
		require.True(t, time.Now().Before(deadline), "batch not done: %v", counts)
		time.Sleep(100 * time.Millisecond)
	}
	status, body = s.apiCall(t, "POST", "/v1/batches", map[string]any{"items": []map[string]any{{"asset_id": ids[0], "ops": []string{"w_10"}}, {"asset_id": "nope", "ops": []string{"w_10"}}}})
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, field(body, "error", "message"), "items[1]")
}

func TestCallbacksRetriedAndSigned(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var mu sync.Mutex
	var secret []byte
	var ids []string
	verified := make(chan error, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		err := webhook.Verify(secret, r.Header, body, 5*time.Minute, time.Now())
		wrong := webhook.Verify([]byte("not the secret, not the secret"), r.Header, body, 5*time.Minute, time.Now())
		ids = append(ids, r.Header.Get("webhook-id"))
		mu.Unlock()
		if err == nil && wrong == nil {
			err = fmt.Errorf("a wrong secret verified")
		}
		verified <- err
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	queueEnv, queueURL := embeddedQueueEnv(t)
	s := startServer(t, "EASEL_CALLBACKS_ALLOW_LOOPBACK=true", "EASEL_CALLBACKS_SCHEDULE=100ms,200ms,300ms", queueEnv)
	list := s.easel(t, "key", "list", "--data", s.data)
	i := strings.Index(list, "whsec_")
	require.GreaterOrEqual(t, i, 0, list)
	mu.Lock()
	var err error
	secret, err = webhook.ParseSecret(strings.Fields(list[i:])[0])
	mu.Unlock()
	require.NoError(t, err)

	status, body := s.uploadWith(t, testimages.Path(t, "faces/pillow_hopper.jpg"), "?wait=10s",
		[2]string{"ops", "w_64,f_png"}, [2]string{"callback_url", receiver.URL + "/hook?token=abc"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	taskID := field(body, "task", "id").(string)

	for i := 0; i < 3; i++ {
		select {
		case err := <-verified:
			require.NoError(t, err, "attempt %d signature", i+1)
		case <-time.After(20 * time.Second):
			t.Fatalf("callback attempt %d never came", i+1)
		}
	}
	var task map[string]any
	require.Eventually(t, func() bool {
		_, task = s.apiCall(t, "GET", "/v1/tasks/"+taskID, nil)
		cbs, _ := task["callbacks"].([]any)
		ms, _ := field(task, "timings", "callback_ms").(float64)
		return len(cbs) == 3 && cbs[2].(map[string]any)["delivered"] == true && ms > 0
	}, 10*time.Second, 50*time.Millisecond, "delivery log: %v", task["callbacks"])
	cbs := task["callbacks"].([]any)
	for i, want := range []float64{500, 500, 204} {
		c := cbs[i].(map[string]any)
		require.EqualValues(t, i+1, c["attempt"])
		require.Equal(t, want, c["status"])
	}
	mu.Lock()
	require.Equal(t, []string{taskID + ".succeeded", taskID + ".succeeded", taskID + ".succeeded"}, ids, "one webhook-id across retries")
	mu.Unlock()
	// The callback queue is empty: the delivered callback was acknowledged,
	// so no attempt can follow.
	waitStreamEmpty(t, queueURL, "EASEL_CALLBACKS", 10*time.Second)
	require.EqualValues(t, 3, calls.Load(), "delivered once, never again")
}

func TestPoisonTaskDeadThenRetried(t *testing.T) {
	t.Parallel()
	s := startServer(t, "EASEL_QUEUE_MAX_DELIVER=3", "EASEL_QUEUE_BACKOFF=100ms,200ms")
	status, a := s.upload(t, testimages.Path(t, "faces/pillow_hopper.jpg"))
	require.Equal(t, http.StatusCreated, status)
	sha := a["sha256"].(string)
	original := filepath.Join(s.data, "blobs", "originals", sha[:2], sha)
	data, err := os.ReadFile(original)
	require.NoError(t, err)
	require.NoError(t, os.Remove(original)) // storage lost the bytes

	status, body := s.apiCall(t, "POST", "/v1/assets/"+a["id"].(string)+"/tasks", map[string]any{"ops": []string{"w_32,f_jpeg"}})
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	id := field(body, "task", "id").(string)
	task := s.waitTask(t, id, 30*time.Second)
	require.Equal(t, "dead", task["state"])
	require.EqualValues(t, 3, task["attempts"], "MaxDeliver attempts")
	require.Equal(t, "download", field(task, "error", "stage"))
	require.Equal(t, "internal", field(task, "error", "code"))
	require.NotContains(t, field(task, "error", "message"), s.data, "no path leaks")

	status, _ = s.apiCall(t, "POST", "/v1/tasks/"+id+"/retry", nil)
	require.Equal(t, http.StatusAccepted, status)
	// Retrying too early fails again; fix the cause first.
	task = s.waitTask(t, id, 30*time.Second)
	require.Equal(t, "dead", task["state"])

	require.NoError(t, os.WriteFile(original, data, 0o644))
	status, body = s.apiCall(t, "POST", "/v1/tasks/"+id+"/retry", nil)
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	task = s.waitTask(t, id, 30*time.Second)
	require.Equal(t, "succeeded", task["state"], "%v", task)
	require.EqualValues(t, 1, task["attempts"], "attempts count afresh after a retry")
	status, _ = s.apiCall(t, "POST", "/v1/tasks/"+id+"/retry", nil)
	require.Equal(t, http.StatusBadRequest, status, "only dead tasks are retried")

	// Bad input fails at once, permanently.
	status, bad := s.upload(t, testimages.Path(t, "hostile/bimg_corrupt.jpg"))
	require.Equal(t, http.StatusCreated, status, "the header is fine")
	status, body = s.apiCall(t, "POST", "/v1/assets/"+bad["id"].(string)+"/tasks", map[string]any{"ops": []string{"w_32,f_jpeg"}})
	require.Equal(t, http.StatusAccepted, status)
	task = s.waitTask(t, field(body, "task", "id").(string), 30*time.Second)
	require.Equal(t, "dead", task["state"])
	require.EqualValues(t, 1, task["attempts"], "permanent: no retry")
	require.Equal(t, "process", field(task, "error", "stage"))
	require.Equal(t, "unsupported_media", field(task, "error", "code"))
}
