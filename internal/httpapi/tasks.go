package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/tasks"
)

// parseWait decodes ?wait=; the bound is tasks.MaxWait.
func parseWait(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > tasks.MaxWait {
		return 0, easel.Errorf(easel.CodeInvalidArgument, "wait must be a duration up to %s, such as 10s", tasks.MaxWait)
	}
	return d, nil
}

// writeTask answers with the task (and the asset, when not nil): 200 when
// it is final, else 202.
func writeTask(w http.ResponseWriter, v tasks.View, asset any) {
	status := http.StatusAccepted
	if v.State.Final() {
		status = http.StatusOK
	}
	body := map[string]any{"task": v}
	if asset != nil {
		body["asset"] = asset
	}
	w.Header().Set("Location", "/v1/tasks/"+v.ID)
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
	s.submitTask(w, r, r.PathValue("id"))
}

// createTask handles POST /v1/tasks: a task on the asset_id, or on the
// source and path, the body names.
func (s *server) createTask(w http.ResponseWriter, r *http.Request) {
	s.submitTask(w, r, "")
}

// submitTask decodes a task request (?wait=, the JSON body) and submits it;
// assetID, when not empty, is the asset the path names.
func (s *server) submitTask(w http.ResponseWriter, r *http.Request, assetID string) {
	var req tasks.SubmitRequest
	var err error
	if req.Wait, err = parseWait(r.URL.Query().Get("wait")); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if err := decodeJSON(r, &req.Task); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if assetID != "" {
		req.Task.AssetID = assetID
	}
	v, err := s.Tasks.Submit(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeTask(w, v, nil)
}

func (s *server) getTask(w http.ResponseWriter, r *http.Request) {
	v, err := s.Tasks.Get(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// retryTask handles POST /v1/tasks/{id}/retry: a dead task back to the queue.
func (s *server) retryTask(w http.ResponseWriter, r *http.Request) {
	v, err := s.Tasks.Retry(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"task": v})
}

// createBatch handles POST /v1/batches.
func (s *server) createBatch(w http.ResponseWriter, r *http.Request) {
	var req tasks.BatchRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	res, err := s.Batches.Submit(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Location", "/v1/batches/"+res.Batch.ID)
	writeJSON(w, http.StatusAccepted, res)
}

func (s *server) getBatch(w http.ResponseWriter, r *http.Request) {
	v, err := s.Batches.Get(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
