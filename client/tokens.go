package client

import (
	"context"
	"net/http"
	"time"
)

// UploadTokenRequest asks for an upload token (POST /v1/upload-tokens).
type UploadTokenRequest struct {
	// ExpiresIn is the token's lifetime, at most 24h; 0: the server's
	// default (10 minutes).
	ExpiresIn time.Duration
	// MaxBytes caps each upload made with the token; 0: the server's limit.
	MaxBytes int64
	// Types are the allowed formats as sniffed ("jpeg", "png", ...);
	// empty: any.
	Types []string
	// Ops or Flow are what every upload made with the token runs.
	Ops  []string
	Flow string
}

// UploadToken is a short-lived credential that only uploads, to the tenant
// of the API key that asked for it: hand Token to a browser or an app, which
// uploads with WithUploadToken (or "Authorization: Bearer <token>").
type UploadToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	MaxBytes  int64     `json:"max_bytes"`
	Types     []string  `json:"types,omitempty"`
	Ops       []string  `json:"ops,omitempty"`
	Flow      string    `json:"flow,omitempty"`
}

// CreateUploadToken asks for an upload token; the client's API key needs
// the upload scope.
func (c *Client) CreateUploadToken(ctx context.Context, req UploadTokenRequest) (UploadToken, error) {
	body := map[string]any{}
	if req.ExpiresIn > 0 {
		body["expires_in"] = req.ExpiresIn.String()
	}
	if req.MaxBytes > 0 {
		body["max_bytes"] = req.MaxBytes
	}
	if len(req.Types) > 0 {
		body["types"] = req.Types
	}
	if len(req.Ops) > 0 {
		body["ops"] = req.Ops
	}
	if req.Flow != "" {
		body["flow"] = req.Flow
	}
	var tok UploadToken
	_, err := c.doJSON(ctx, http.MethodPost, "/v1/upload-tokens", body, &tok)
	return tok, err
}

// SignedPath asks the server to sign the delivery path of one of the
// tenant's assets (POST /v1/sign; the key needs the deliver scope), so the
// caller holds no signing key. ext may be empty.
func (c *Client) SignedPath(ctx context.Context, assetID, ops, ext string) (string, error) {
	var out struct {
		Path string `json:"path"`
	}
	_, err := c.doJSON(ctx, http.MethodPost, "/v1/sign", map[string]string{"asset_id": assetID, "ops": ops, "ext": ext}, &out)
	return out.Path, err
}
