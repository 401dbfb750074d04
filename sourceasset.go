package easel

import (
	"context"
	"time"
)

// TaskSource names a remote image: a configured source and a path below it
// (percent-encoded, as in a src: delivery URL).
type TaskSource struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// SourceAsset records that an image fetched from a source became an asset:
// the tenant, the source, the decoded path and the SHA-256 of the bytes
// fetched identify it, so the same image at the same path is imported once.
type SourceAsset struct {
	TenantID  string
	Source    string
	Path      string
	SHA256    string // hex, of the fetched bytes
	ETag      string // the origin's validator when fetched, informative
	AssetID   string
	CreatedAt time.Time
}

// SourceAssetStore remembers which asset a fetched source image became.
//
// GetSourceAsset returns the asset ID recorded for the tenant, source, path
// and sha256, or CodeNotFound. PutSourceAsset records r, replacing the
// asset ID of an existing record of the same four (its asset was deleted).
type SourceAssetStore interface {
	GetSourceAsset(ctx context.Context, tenantID, source, path, sha256 string) (assetID string, err error)
	PutSourceAsset(ctx context.Context, r SourceAsset) error
}
