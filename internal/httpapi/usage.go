package httpapi

import "net/http"

// usage answers GET /v1/usage: the caller's tenant's stored bytes, assets,
// uploads and renders, its limits and what remains of them.
func (s *server) usage(w http.ResponseWriter, r *http.Request) {
	u, err := s.Quotas.Usage(r.Context(), tenantOf(r))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, u)
}
