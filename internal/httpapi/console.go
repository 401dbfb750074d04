package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/tasks"
)

// maxYAMLBody bounds a flow or rules document sent to the API.
const maxYAMLBody = 1 << 20

// listTasks handles GET /v1/tasks?state=&kind=&flow=&asset_id=&batch=&limit=&cursor=.
func (s *server) listTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "state", "kind", "flow", "asset_id", "batch", "limit", "cursor":
		default:
			writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "unknown parameter %q (state, kind, flow, asset_id, batch, limit, cursor)", k))
			return
		}
	}
	req := tasks.ListRequest{Cursor: q.Get("cursor"), Filter: easel.TaskFilter{
		State: easel.TaskState(q.Get("state")), Kind: q.Get("kind"), Flow: q.Get("flow"),
		AssetID: q.Get("asset_id"), BatchID: q.Get("batch"),
	}}
	limit, err := optionalInt(q, "limit", "limit must be an integer 1..1000")
	if err == nil && limit != nil && *limit < 1 {
		err = easel.Errorf(easel.CodeInvalidArgument, "limit must be an integer 1..1000")
	}
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if limit != nil {
		req.Limit = *limit
	}
	res, err := s.Tasks.List(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// readYAML reads a YAML request body, at most maxYAMLBody bytes.
func readYAML(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxYAMLBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, easel.Errorf(easel.CodeTooLarge, "body larger than %d bytes", maxYAMLBody)
	}
	if err != nil {
		return nil, easel.WrapError(easel.CodeInvalidArgument, err, "reading the body: %v", err)
	}
	return data, nil
}

// wantsYAML reports whether the client asked for YAML rather than JSON.
func wantsYAML(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "yaml") && !strings.Contains(a, "json")
}

// putFlow handles PUT /v1/flows/{name}: the body is the flow's YAML; it is
// stored as the next version. 201 with the definition.
func (s *server) putFlow(w http.ResponseWriter, r *http.Request) {
	data, err := readYAML(r)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	d, err := s.Flows.Put(r.Context(), tenantOf(r), r.PathValue("name"), data)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Location", "/v1/flows/"+d.Name+"?version="+strconv.Itoa(d.Version))
	writeJSON(w, http.StatusCreated, d)
}

// deleteFlow handles DELETE /v1/flows/{name}: flows defined over the API only.
func (s *server) deleteFlow(w http.ResponseWriter, r *http.Request) {
	if err := s.Flows.Delete(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// getRules handles GET /v1/rules: the rules in use, as written and parsed,
// and the state of the files (with the last reload's error).
func (s *server) getRules(w http.ResponseWriter, r *http.Request) {
	v := s.Flows.Rules()
	if wantsYAML(r) {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, v.YAML)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// validateRules handles POST /v1/rules/validate: the body is a rules
// file's content, checked as a reload would check it; 200 with the parsed
// rules, or 400 naming the line.
func (s *server) validateRules(w http.ResponseWriter, r *http.Request) {
	data, err := readYAML(r)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	rs, err := s.Flows.ValidateRules(data)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": true, "rules": rs})
}
