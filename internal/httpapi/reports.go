package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/reports"
)

// postReports handles POST /v1/reports {"reports": [...]}: a batch of what
// an app measured, all stored or none.
func (s *server) postReports(w http.ResponseWriter, r *http.Request) {
	batch, err := reports.Decode(r.Body, time.Now())
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	res, err := s.Reports.Submit(r.Context(), tenantOf(r), batch)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// getStats handles GET /v1/stats?by=effect,region&from=&to=&step=1m&source=client.
func (s *server) getStats(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := reports.StatsRequest{Source: q.Get("source")}
	if by := q.Get("by"); by != "" {
		req.By = strings.Split(by, ",")
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &req.From}, {"to", &req.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "%s: want an RFC 3339 time such as 2026-12-02T15:00:00Z", p.name))
				return
			}
			*p.t = t
		}
	}
	var err error
	if req.Step, err = reports.ParseStep(q.Get("step")); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	st, err := s.Reports.Stats(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
