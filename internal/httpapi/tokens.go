package httpapi

import (
	"net/http"

	"github.com/easelhq/easel/internal/assets"
	"github.com/easelhq/easel/internal/keys"
)

// issueUploadToken handles POST /v1/upload-tokens {"expires_in", "max_bytes",
// "types", "ops", "flow"} (an API key with the upload scope): 201 with the
// token, for the key's tenant.
func (s *server) issueUploadToken(w http.ResponseWriter, r *http.Request) {
	var req keys.UploadTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	tok, err := s.UploadTokens.Issue(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, tok)
}

// sign handles POST /v1/sign {"asset_id", "ops", "ext"} (the deliver
// scope): the signed delivery path of one of the tenant's assets.
func (s *server) sign(w http.ResponseWriter, r *http.Request) {
	var req assets.SignRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	res, err := s.Assets.Sign(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
