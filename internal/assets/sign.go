package assets

import (
	"context"
	"strings"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Signer signs delivery paths with a tenant's newest signing key.
// internal/keys.Keys is the real one.
type Signer interface {
	SignPath(ctx context.Context, tenantID, ops, assetID, ext string) (string, error)
}

// SignRequest asks for the signed delivery path of one of the tenant's
// assets.
type SignRequest struct {
	AssetID string `json:"asset_id"`
	// Ops are the operations ("-" or empty: the original).
	Ops string `json:"ops"`
	// Ext is an optional extension ("webp").
	Ext string `json:"ext,omitempty"`
}

// SignResult is a signed delivery path, /i/{signature}/{ops}/{asset}[.ext].
type SignResult struct {
	Path string `json:"path"`
}

// Sign returns the signed delivery path of the tenant's asset with the
// operations in canonical form. Another tenant's asset is not_found, as a
// missing one: a tenant never signs for another's assets.
func (s *Assets) Sign(ctx context.Context, tenantID string, req SignRequest) (SignResult, error) {
	if s.cfg.Signer == nil {
		return SignResult{}, easel.Errorf(easel.CodeNotFound, "this server signs no URLs")
	}
	if req.AssetID == "" {
		return SignResult{}, easel.Errorf(easel.CodeInvalidArgument, "asset_id is required")
	}
	if _, err := s.Get(ctx, tenantID, req.AssetID); err != nil {
		return SignResult{}, err
	}
	canonical := "-"
	if req.Ops != "" && req.Ops != "-" {
		o, err := transform.Parse(req.Ops)
		if err != nil {
			return SignResult{}, err
		}
		if !o.Original {
			canonical = o.String()
		}
	}
	ext := strings.TrimPrefix(req.Ext, ".")
	if strings.ContainsAny(ext, "/.?#%") || len(ext) > 8 {
		return SignResult{}, easel.Errorf(easel.CodeInvalidArgument, "ext %q is not an extension", req.Ext)
	}
	p, err := s.cfg.Signer.SignPath(ctx, tenantID, canonical, req.AssetID, ext)
	if err != nil {
		return SignResult{}, err
	}
	return SignResult{Path: p}, nil
}
