package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/rules"
	"github.com/easelhq/easel/internal/flows"
	"github.com/easelhq/easel/internal/tasks"
)

// runFlow handles POST /v1/flows/{name}/run?wait=: parameters are
// validated before anything is queued; 200 with the finished task, or 202
// to poll.
func (s *server) runFlow(w http.ResponseWriter, r *http.Request) {
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	var req flows.RunRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	v, err := s.Flows.Run(r.Context(), tenantOf(r), r.PathValue("name"), req, wait)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeTask(w, v, nil)
}

// listFlows handles GET /v1/flows: every flow version, and the state of
// the files they were loaded from.
func (s *server) listFlows(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"flows": s.Flows.List(), "status": s.Flows.Status(), "api_errors": s.Flows.APIErrors()})
}

// getFlow handles GET /v1/flows/{name}?version=: a flow's definition.
func (s *server) getFlow(w http.ResponseWriter, r *http.Request) {
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "version must be a positive integer"))
			return
		}
		version = n
	}
	f, err := s.Flows.Get(r.PathValue("name"), version)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if wantsYAML(r) {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, f.Origin.YAML)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// explainRules handles POST /v1/rules/explain {"asset_id"}.
func (s *server) explainRules(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AssetID string `json:"asset_id"`
		// Rules, when set, is a rules file's content to explain instead
		// of the rules in use: a dry run of a draft.
		Rules *string `json:"rules,omitempty"`
	}
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if req.AssetID == "" {
		writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "asset_id is required"))
		return
	}
	var ex rules.Explanation
	var err error
	if req.Rules != nil {
		ex, err = s.Flows.ExplainDraft(r.Context(), tenantOf(r), req.AssetID, []byte(*req.Rules))
	} else {
		ex, err = s.Flows.Explain(r.Context(), tenantOf(r), req.AssetID)
	}
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, ex)
}

// taskEvents handles GET /v1/tasks/{id}/events: Server-Sent Events of the
// task's state ("event: task") and progress ("event: progress") until it is
// final or the client leaves.
func (s *server) taskEvents(w http.ResponseWriter, r *http.Request) {
	tenant, id := tenantOf(r), r.PathValue("id")
	if _, err := s.Tasks.Get(r.Context(), tenant, id); err != nil {
		writeError(w, r, s.Log, err) // before the stream starts: a plain error
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the stream outlives http.write_timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	send := func(u tasks.Update) error {
		name, v := "task", any(u.Task)
		if u.Progress != nil {
			name, v = "progress", u.Progress
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		select {
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return err
			}
		default:
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := s.Tasks.Follow(r.Context(), tenant, id, send); err != nil && r.Context().Err() == nil {
		s.Log.Debug("task events ended", "task", id, "err", err)
	}
}
