package keys

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// UploadTokenConfig configures UploadTokens.
type UploadTokenConfig struct {
	// DefaultLifetime is a token's lifetime when the request names none
	// (10 minutes when zero); none lives past MaxUploadTokenLifetime.
	DefaultLifetime time.Duration
	// MaxBytes is the server's upload limit: a token's max_bytes above it
	// is refused, and a token without one gets it.
	MaxBytes int64
	// CheckOps validates a token's operations as an upload's would be
	// (internal/tasks' Validate); nil refuses tokens with operations.
	CheckOps func(ops []string) error
	// CheckFlow reports whether a flow exists (internal/flow's catalog);
	// nil refuses tokens with a flow.
	CheckFlow func(name string) error
}

// UploadTokenTypes are the formats an upload token's types may name: what
// an upload's type is sniffed as.
var UploadTokenTypes = []string{"jpeg", "png", "webp", "gif", "avif", "heif", "tiff", "jxl", "bmp", "svg", "pdf"}

// UploadTokens issues upload tokens: the door of POST /v1/upload-tokens.
type UploadTokens struct {
	keys *Keys
	cfg  UploadTokenConfig
}

// NewUploadTokens returns the use case issuing upload tokens with k's keys.
func NewUploadTokens(k *Keys, cfg UploadTokenConfig) *UploadTokens {
	if cfg.DefaultLifetime <= 0 {
		cfg.DefaultLifetime = 10 * time.Minute
	}
	return &UploadTokens{keys: k, cfg: cfg}
}

// UploadTokenRequest asks for an upload token.
type UploadTokenRequest struct {
	// ExpiresIn is a Go duration ("10m", "1h"), at most 24h; "" is the
	// default lifetime.
	ExpiresIn string `json:"expires_in,omitempty"`
	// MaxBytes caps each upload made with the token; 0: the server's limit.
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// Types are the allowed formats (sniffed from the bytes); empty: any.
	Types []string `json:"types,omitempty"`
	// Ops are the operations every upload made with the token runs.
	Ops []string `json:"ops,omitempty"`
	// Flow is the flow every upload made with the token runs.
	Flow string `json:"flow,omitempty"`
}

// UploadToken is an issued token.
type UploadToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	MaxBytes  int64     `json:"max_bytes"`
	Types     []string  `json:"types,omitempty"`
	Ops       []string  `json:"ops,omitempty"`
	Flow      string    `json:"flow,omitempty"`
}

// Issue validates the request (every bad field is invalid_argument, naming
// it) and returns a token for the tenant's uploads.
func (u *UploadTokens) Issue(ctx context.Context, tenantID string, req UploadTokenRequest) (UploadToken, error) {
	lifetime := u.cfg.DefaultLifetime
	if req.ExpiresIn != "" {
		d, err := time.ParseDuration(req.ExpiresIn)
		if err != nil || d <= 0 || d > MaxUploadTokenLifetime {
			return UploadToken{}, easel.Errorf(easel.CodeInvalidArgument, "expires_in must be a duration above 0 and at most 24h, like \"10m\"")
		}
		lifetime = d
	}
	maxBytes := req.MaxBytes
	switch {
	case maxBytes < 0:
		return UploadToken{}, easel.Errorf(easel.CodeInvalidArgument, "max_bytes must not be negative")
	case u.cfg.MaxBytes > 0 && maxBytes > u.cfg.MaxBytes:
		return UploadToken{}, easel.Errorf(easel.CodeInvalidArgument, "max_bytes %d is over the server's limit of %d", maxBytes, u.cfg.MaxBytes)
	case maxBytes == 0:
		maxBytes = u.cfg.MaxBytes
	}
	var types []string
	for _, t := range req.Types {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "jpg" {
			t = "jpeg"
		}
		if !slices.Contains(UploadTokenTypes, t) {
			return UploadToken{}, easel.Errorf(easel.CodeInvalidArgument, "types: unknown type %q (want %s)", t, strings.Join(UploadTokenTypes, ", "))
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(req.Ops) > 0 && req.Flow != "" {
		return UploadToken{}, easel.Errorf(easel.CodeInvalidArgument, "a token fixes ops or a flow, not both")
	}
	if len(req.Ops) > 0 {
		if u.cfg.CheckOps == nil {
			return UploadToken{}, easel.Errorf(easel.CodeInvalidArgument, "ops: this server runs no task queue")
		}
		if err := u.cfg.CheckOps(req.Ops); err != nil {
			return UploadToken{}, err
		}
	}
	if req.Flow != "" {
		if u.cfg.CheckFlow == nil {
			return UploadToken{}, easel.Errorf(easel.CodeInvalidArgument, "flow: this server runs no flows")
		}
		if err := u.cfg.CheckFlow(req.Flow); err != nil {
			return UploadToken{}, err
		}
	}
	token, claims, err := u.keys.IssueUploadToken(ctx, UploadClaims{
		TenantID: tenantID, MaxBytes: maxBytes, Types: types, Ops: req.Ops, Flow: req.Flow,
	}, lifetime)
	if err != nil {
		return UploadToken{}, err
	}
	return UploadToken{Token: token, ExpiresAt: claims.Expiry(), MaxBytes: claims.MaxBytes,
		Types: claims.Types, Ops: claims.Ops, Flow: claims.Flow}, nil
}
