package delivery

import (
	"context"
	"strings"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// PathSigner signs delivery paths with a tenant's newest active signing
// key: internal/keys.Keys, the one implementation (transform.SignedPath
// underneath), which the Verifier given to New must also be for Sign to
// work.
type PathSigner interface {
	SignPath(ctx context.Context, tenantID, ops, assetID, ext string) (string, error)
}

// SignRequest asks for the signed delivery path of operations on an asset:
// AssetID and Ops (and optionally Ext, an extension without the dot), or
// Path, "{operations}/{asset}[.{ext}]" as in a delivery URL after its
// signature.
type SignRequest struct {
	AssetID string `json:"asset_id,omitempty"`
	Ops     string `json:"ops,omitempty"`
	Ext     string `json:"ext,omitempty"`
	Path    string `json:"path,omitempty"`
}

// Signed is a signed delivery path.
type Signed struct {
	// Path is "/i/{signature}/{ops}/{asset}[.{ext}]".
	Path    string `json:"path"`
	Ops     string `json:"ops"` // canonical operations, as signed
	AssetID string `json:"asset_id"`
	Ext     string `json:"ext,omitempty"`
}

// Sign validates the operations as delivery would (the grammar, then the
// presets: an error names the item at fault), checks that the asset is the
// tenant's, and signs the canonical operations with the tenant's newest
// signing key.
func (d *Delivery) Sign(ctx context.Context, tenantID string, req SignRequest) (Signed, error) {
	signer, ok := d.keys.(PathSigner)
	if !ok {
		return Signed{}, easel.Errorf(easel.CodeInternal, "delivery: keys cannot sign")
	}
	assetID, ops, ext := req.AssetID, req.Ops, strings.TrimPrefix(req.Ext, ".")
	if req.Path != "" {
		if assetID != "" || ops != "" || ext != "" {
			return Signed{}, easel.Errorf(easel.CodeInvalidArgument, "give path, or asset_id and ops, not both")
		}
		var e transform.Format
		var err error
		if _, ops, assetID, e, err = transform.ParsePath("_/" + strings.TrimPrefix(req.Path, "/")); err != nil {
			return Signed{}, easel.Errorf(easel.CodeInvalidArgument, "path: %s", strings.Replace(easel.ErrorMessage(err),
				"/i/{signature}/{operations}/{asset}[.{ext}]", "{operations}/{asset}[.{ext}]", 1))
		}
		if e != transform.FormatNone {
			ext = req.Path[strings.LastIndexByte(req.Path, '.')+1:]
		}
	}
	switch {
	case assetID == "":
		return Signed{}, easel.Errorf(easel.CodeInvalidArgument, "asset_id is required")
	case !easel.ValidID(assetID):
		return Signed{}, easel.Errorf(easel.CodeInvalidArgument, "asset_id %q: not an asset ID", assetID)
	case ops == "":
		return Signed{}, easel.Errorf(easel.CodeInvalidArgument, "ops is required (\"-\" for the original)")
	}
	if ext != "" {
		if _, ok := transform.FormatFromExt(ext); !ok {
			return Signed{}, easel.Errorf(easel.CodeInvalidArgument, "ext %q: must be jpg, jpeg, png, webp, avif, gif or jxl", ext)
		}
	}
	opts, err := transform.Parse(ops)
	if err != nil {
		return Signed{}, err
	}
	if _, err := transform.Expand(opts, d.cfg.Presets); err != nil {
		return Signed{}, err
	}
	canonical := opts.String()
	if opts.Original {
		canonical = "-"
	}
	a, err := d.meta.GetAsset(ctx, assetID)
	if easel.IsNotFound(err) || err == nil && a.TenantID != tenantID {
		return Signed{}, easel.Errorf(easel.CodeNotFound, "asset %q not found", assetID)
	}
	if err != nil {
		return Signed{}, err
	}
	path, err := signer.SignPath(ctx, tenantID, canonical, assetID, ext)
	if err != nil {
		return Signed{}, err
	}
	return Signed{Path: path, Ops: canonical, AssetID: assetID, Ext: ext}, nil
}
