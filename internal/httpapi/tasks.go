package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/processing"
)

// MaxWait bounds ?wait=.
const MaxWait = 60 * time.Second

func parseWait(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > MaxWait {
		return 0, easel.Errorf(easel.CodeInvalidArgument, "wait must be a duration up to %s, such as 10s", MaxWait)
	}
	return d, nil
}

// TaskView is a task as the API shows it: outputs with their delivery URLs
// and the callback delivery log.
type TaskView struct {
	easel.Task
	Outputs   []OutputView             `json:"outputs,omitempty"`
	Callbacks []easel.CallbackDelivery `json:"callbacks,omitempty"`
}

// OutputView is a task output with the signed delivery path that serves it.
type OutputView struct {
	easel.TaskOutput
	URL string `json:"url"`
}

// ViewTask renders a task for the API and for callback payloads.
func ViewTask(ctx context.Context, keys *processing.Keys, tasks *processing.Tasks, t easel.Task) TaskView {
	v := TaskView{Task: t}
	for _, o := range t.Outputs {
		url, err := keys.SignPath(ctx, t.TenantID, o.Ops, t.AssetID, "")
		if err != nil {
			url = ""
		}
		v.Outputs = append(v.Outputs, OutputView{TaskOutput: o, URL: url})
	}
	if tasks != nil && t.CallbackURL != "" {
		v.Callbacks, _ = tasks.Callbacks(ctx, t.ID)
	}
	return v
}

// respondTask answers with the task (and extra fields such as the asset):
// 200 when it is final, possibly after waiting up to wait, else 202.
func (s *server) respondTask(w http.ResponseWriter, r *http.Request, t easel.Task, wait time.Duration, asset any) {
	if wait > 0 && !t.State.Final() {
		var err error
		if t, err = s.Tasks.Wait(r.Context(), t.TenantID, t.ID, wait); err != nil {
			writeError(w, r, s.Log, err)
			return
		}
	}
	status := http.StatusAccepted
	if t.State.Final() {
		status = http.StatusOK
	}
	body := map[string]any{"task": ViewTask(r.Context(), s.Keys, s.Tasks, t)}
	if asset != nil {
		body["asset"] = asset
	}
	w.Header().Set("Location", "/v1/tasks/"+t.ID)
	writeJSON(w, status, body)
}

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return easel.WrapError(easel.CodeInvalidArgument, err, "malformed JSON body: %v", err)
	}
	return nil
}

// createAssetTask handles POST /v1/assets/{id}/tasks.
func (s *server) createAssetTask(w http.ResponseWriter, r *http.Request) {
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	var req processing.TaskRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	req.AssetID = r.PathValue("id")
	_, tasks, err := s.Tasks.Submit(r.Context(), tenantOf(r), []processing.TaskRequest{req}, false)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	s.respondTask(w, r, tasks[0], wait, nil)
}

func (s *server) getTask(w http.ResponseWriter, r *http.Request) {
	t, err := s.Tasks.Get(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, ViewTask(r.Context(), s.Keys, s.Tasks, t))
}

// retryTask handles POST /v1/tasks/{id}/retry: a dead task back to the queue.
func (s *server) retryTask(w http.ResponseWriter, r *http.Request) {
	t, err := s.Tasks.Retry(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"task": ViewTask(r.Context(), s.Keys, s.Tasks, t)})
}

type batchRequest struct {
	Items       []processing.TaskRequest `json:"items"`
	CallbackURL string                   `json:"callback_url,omitempty"` // default for items without one
}

type batchView struct {
	easel.Batch
	Counts map[easel.TaskState]int `json:"counts"`
	Done   bool                    `json:"done"`
}

// createBatch handles POST /v1/batches.
func (s *server) createBatch(w http.ResponseWriter, r *http.Request) {
	var req batchRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	for i := range req.Items {
		if req.Items[i].CallbackURL == "" {
			req.Items[i].CallbackURL = req.CallbackURL
		}
	}
	b, tasks, err := s.Tasks.Submit(r.Context(), tenantOf(r), req.Items, true)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	ids := make([]string, len(tasks))
	counts := map[easel.TaskState]int{}
	for i, t := range tasks {
		ids[i] = t.ID
		counts[t.State]++
	}
	w.Header().Set("Location", "/v1/batches/"+b.ID)
	writeJSON(w, http.StatusAccepted, map[string]any{"batch": batchView{Batch: *b, Counts: counts}, "task_ids": ids})
}

func (s *server) getBatch(w http.ResponseWriter, r *http.Request) {
	b, counts, err := s.Tasks.Batch(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	final := counts[easel.TaskSucceeded] + counts[easel.TaskDead]
	writeJSON(w, http.StatusOK, batchView{Batch: b, Counts: counts, Done: final == b.Total})
}
