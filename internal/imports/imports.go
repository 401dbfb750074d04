// Package imports turns images of remote sources into assets: a task or a
// flow run may name a source and a path instead of an asset. Check refuses
// what the tenant may not fetch before the task is queued; the worker's
// Import fetches the image through the sources' safe fetcher and cache
// (internal/source: tenant and prefix checks again, addresses checked at
// dial time, byte cap, sniffing, revalidation, identical fetches shared)
// and stores it through the upload use case, so an imported asset is an
// asset like any other (probed, verified, analysed, levelled). The same
// image (by SHA-256) at the same source and path becomes one asset per
// tenant: easel.SourceAssetStore remembers which.
package imports

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/internal/upload"
)

// Fetcher fetches source images; *source.Fetcher is the real one.
type Fetcher interface {
	Fetch(ctx context.Context, tenant, name, rawPath string) (source.Image, error)
	Resolve(tenant, name, rawPath string) (*url.URL, string, error)
}

// Uploader stores an image as an asset; *upload.Uploads is the real one.
type Uploader interface {
	Upload(ctx context.Context, tenantID string, req upload.Request) (upload.Result, error)
}

// UploadFunc adapts a function to Uploader.
type UploadFunc func(ctx context.Context, tenantID string, req upload.Request) (upload.Result, error)

// Upload calls f.
func (f UploadFunc) Upload(ctx context.Context, tenantID string, req upload.Request) (upload.Result, error) {
	return f(ctx, tenantID, req)
}

// Store is what Importer needs of the metadata store.
type Store interface {
	easel.SourceAssetStore
	GetTenant(ctx context.Context, id string) (easel.Tenant, error)
	GetAsset(ctx context.Context, id string) (easel.Asset, error)
}

// Importer checks and imports source images.
type Importer struct {
	fetcher Fetcher
	uploads Uploader
	store   Store
	now     func() time.Time
	group   singleflight.Group // imports by tenant, source, path and digest
}

// New returns an Importer.
func New(f Fetcher, u Uploader, s Store) *Importer {
	return &Importer{fetcher: f, uploads: u, store: s, now: time.Now}
}

// Check implements tasks.Sources: nil when the tenant may fetch rawPath
// from the source called name (not_found for a source that does not exist
// or is not open to the tenant, permission_denied outside its prefixes,
// invalid_argument for a bad path). It fetches nothing.
func (im *Importer) Check(ctx context.Context, tenantID, name, rawPath string) error {
	_, err := im.fetchAs(ctx, tenantID, name, rawPath)
	return err
}

// fetchAs returns how the source's tenants list knows the tenant: by its
// ID, or else by its name (sources.<name>.tenants: [default]), with the
// error of Resolve when neither may fetch rawPath.
func (im *Importer) fetchAs(ctx context.Context, tenantID, name, rawPath string) (string, error) {
	_, _, err := im.fetcher.Resolve(tenantID, name, rawPath)
	if easel.ErrorCode(err) != easel.CodeNotFound {
		return tenantID, err
	}
	t, terr := im.store.GetTenant(ctx, tenantID)
	if terr != nil {
		if easel.IsNotFound(terr) {
			return "", err
		}
		return "", terr
	}
	if _, _, nerr := im.fetcher.Resolve(t.Name, name, rawPath); easel.ErrorCode(nerr) != easel.CodeNotFound {
		return t.Name, nerr
	}
	return "", err
}

// Import fetches the source image and returns the tenant's asset of it:
// the one imported before from the same source, path and bytes when it
// still exists, else a new upload. Errors keep the fetcher's and the
// upload's codes.
func (im *Importer) Import(ctx context.Context, tenantID string, src easel.TaskSource) (easel.Asset, error) {
	as, err := im.fetchAs(ctx, tenantID, src.Name, src.Path)
	if err != nil {
		return easel.Asset{}, err
	}
	img, err := im.fetcher.Fetch(ctx, as, src.Name, src.Path)
	if err != nil {
		return easel.Asset{}, err
	}
	_, decoded, _ := strings.Cut(img.Key, ":") // "name:/decoded/path"
	sum := sha256.Sum256(img.Data)
	digest := hex.EncodeToString(sum[:])
	// Concurrent imports of one image (a batch naming it twice) make one
	// asset on this node.
	v, err, _ := im.group.Do(tenantID+"\x00"+img.Key+"\x00"+digest, func() (any, error) {
		return im.importOnce(ctx, tenantID, src.Name, decoded, digest, img)
	})
	if err != nil {
		return easel.Asset{}, err
	}
	return v.(easel.Asset), nil
}

// importOnce is Import after the fetch.
func (im *Importer) importOnce(ctx context.Context, tenantID, name, decoded, digest string, img source.Image) (easel.Asset, error) {
	if id, err := im.store.GetSourceAsset(ctx, tenantID, name, decoded, digest); err == nil {
		a, err := im.store.GetAsset(ctx, id)
		if err == nil && a.TenantID == tenantID {
			return a, nil
		}
		if err != nil && !easel.IsNotFound(err) {
			return easel.Asset{}, err
		}
		// deleted since: import again
	} else if !easel.IsNotFound(err) {
		return easel.Asset{}, err
	}
	res, err := im.uploads.Upload(ctx, tenantID, upload.Request{
		Name: path.Base(decoded), Body: bytes.NewReader(img.Data), SkipRules: true,
	})
	if err != nil {
		return easel.Asset{}, err
	}
	err = im.store.PutSourceAsset(ctx, easel.SourceAsset{
		TenantID: tenantID, Source: name, Path: decoded, SHA256: digest, ETag: img.ETag,
		AssetID: res.ID, CreatedAt: im.now().UTC(),
	})
	if err != nil {
		return easel.Asset{}, err
	}
	return res.Asset, nil
}
