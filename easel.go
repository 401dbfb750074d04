package easel

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"strings"
	"time"
)

// Tenant owns assets, API keys and URL signing keys: a business line.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// DisabledAt is when the tenant was disabled (nil: enabled). A disabled
	// tenant's API keys, upload tokens and delivery URLs are refused.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// APIKey authenticates API calls for one tenant. Only a hash of the secret is
// stored; the secret is shown once, when the key is created.
type APIKey struct {
	ID        string     `json:"id"`
	TenantID  string     `json:"tenant_id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"` // first characters of the secret, to recognise a key
	Hash      []byte     `json:"-"`      // SHA-256 of the whole secret
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// Scopes are what the key may do; keys made before scopes existed
	// have them all.
	Scopes Scopes `json:"scopes"`
	// ExpiresAt, when set, is when the key stops authenticating.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// SigningKey signs delivery URLs for one tenant. Several may be active at once
// so keys can be rotated without breaking published URLs.
type SigningKey struct {
	ID        string     `json:"id"`
	TenantID  string     `json:"tenant_id"`
	Secret    []byte     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Asset is an uploaded original. Its bytes live in the blob store under
// OriginalKey(SHA256); several assets may share one original.
type Asset struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	SHA256   string `json:"sha256"`
	// Kind is KindImage or KindVideo.
	Kind   string `json:"kind"`
	Format string `json:"format"` // jpeg, png, webp, gif, avif, heif, tiff, jxl, bmp, svg, pdf; mp4, mov, webm, mkv
	Width  int    `json:"width"`  // displayed orientation
	Height int    `json:"height"` // displayed orientation
	Pages  int    `json:"pages"`  // frames of an animation, pages of a PDF; 1 otherwise
	Bytes  int64  `json:"bytes"`
	Name   string `json:"name,omitempty"` // the client's file name, informative only
	// Region is where the asset lives (config region/regions): its tasks
	// run there, and other regions' APIs redirect requests for it there.
	// Empty for assets made before regions or with none configured.
	Region    string            `json:"region,omitempty"`
	EXIF      map[string]string `json:"exif,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	// Levels is the asset's pyramid, smallest last, once the worker made
	// it (nil until then, or when the pyramid is off); renders read the
	// smallest level large enough instead of the original.
	Levels []Level `json:"levels,omitempty"`
	// LevelsBytes is the stored size of Levels, beside Bytes (the original's).
	LevelsBytes int64 `json:"levels_bytes,omitempty"`
	// Analysis is what the worker found after the upload (faces, hashes,
	// colours); nil until then. Its fields appear at the top level in JSON.
	*Analysis
	// Video is set on videos (Kind KindVideo): duration, codecs,
	// rotation, bit rate. Its fields appear at the top level in JSON.
	*Video
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// BlobStore stores originals and rendered variants by key. Keys are
// slash-separated paths of [a-z0-9._-] segments.
//
// Every implementation passes the conformance suite in internal/blob/blobtest.
type BlobStore interface {
	// Put stores r under key atomically: a reader never sees a partial blob.
	// An existing blob under key is replaced.
	Put(ctx context.Context, key string, r io.Reader) error
	// Get opens the blob under key. If there is none, an error with
	// CodeNotFound is returned.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the blob under key, or returns an error with CodeNotFound.
	Stat(ctx context.Context, key string) (BlobInfo, error)
	// Delete removes the blob under key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every blob whose key starts with prefix, in key order.
	// An error from fn stops the listing and is returned.
	List(ctx context.Context, prefix string, fn func(BlobInfo) error) error
	// Ping reports whether the store is reachable and writable.
	Ping(ctx context.Context) error
}

// OriginalKey is the blob key of an original with the given hex SHA-256.
func OriginalKey(sha256hex string) string {
	return "originals/" + sha256hex[:2] + "/" + sha256hex
}

// VariantPrefix is the blob key prefix under which the variants of an asset live.
func VariantPrefix(assetID string) string { return "variants/" + assetID + "/" }

// VariantKey is the blob key of the rendering of an asset with canonical
// operations (formats resolved): the second cache layer of delivery, and
// where task outputs are stored, so the delivery URL of a task's operations
// serves its output.
func VariantKey(assetID, canonicalOps string) string {
	sum := sha256.Sum256([]byte(assetID + "/" + canonicalOps))
	return VariantPrefix(assetID) + hex.EncodeToString(sum[:16])
}

// ListPage asks for one page of a listing. Cursor is opaque: empty for the first
// page, then the NextCursor of the page before.
type ListPage struct {
	Cursor string
	Limit  int
}

// MetaStore keeps tenants, keys and assets.
//
// Every implementation passes the conformance suite in internal/meta/metatest.
// Lookups of missing rows return an error with CodeNotFound.
type MetaStore interface {
	CreateTenant(ctx context.Context, t Tenant) error
	GetTenant(ctx context.Context, id string) (Tenant, error)
	// ListTenants returns all tenants, oldest first.
	ListTenants(ctx context.Context) ([]Tenant, error)
	// SetTenantDisabled disables the tenant at disabledAt, or enables it
	// when disabledAt is nil. Disabling a disabled tenant keeps the first
	// time. It counts as a change of SigningKeysVersion, so every node
	// learns it with the signing keys.
	SetTenantDisabled(ctx context.Context, id string, disabledAt *time.Time) error

	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKeyByHash returns the key, revoked or not, whose Hash equals hash.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	// ListAPIKeys returns a tenant's keys, revoked ones included, oldest first.
	ListAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error)
	// RevokeAPIKey marks the key revoked; revoking a revoked key is not an error.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error

	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns a tenant's signing keys, revoked ones included, oldest first.
	ListSigningKeys(ctx context.Context, tenantID string) ([]SigningKey, error)
	RevokeSigningKey(ctx context.Context, id string, at time.Time) error
	// SigningKeysVersion returns a number that grows whenever any tenant's
	// signing key is created or revoked, so a node holding the keys in
	// memory learns they are stale from one cheap read.
	SigningKeysVersion(ctx context.Context) (int64, error)

	CreateAsset(ctx context.Context, a Asset) error
	// GetAsset returns the asset with the given ID, whichever tenant owns it.
	GetAsset(ctx context.Context, id string) (Asset, error)
	// ListAssets returns a tenant's assets, newest first, a page at a time.
	// nextCursor is empty on the last page.
	ListAssets(ctx context.Context, tenantID string, page ListPage) (assets []Asset, nextCursor string, err error)
	// DeleteAsset removes the asset row and reports how many assets still
	// reference the same original (SHA256) after the removal.
	DeleteAsset(ctx context.Context, id string) (remaining int, err error)

	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// DerivedID returns an identifier shaped as NewID's (26 base32 digits of
// the same alphabet) derived from parts: the same parts always give the
// same ID, for work that must be done once per client key (an upload's
// Idempotency-Key, a stream request's ID).
func DerivedID(parts ...string) string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	b := make([]byte, 26)
	for i := range b {
		b[i] = alphabet[sum[i]&31]
	}
	return string(b)
}

// NewID returns a new random, time-ordered, URL-safe identifier of 26
// characters (48 bits of milliseconds then 80 random bits, Crockford base32,
// lower case). IDs created later sort after earlier ones.
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("easel: crypto/rand failed: " + err.Error())
	}
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	var sb strings.Builder
	sb.Grow(26)
	// 128 bits as 26 base32 digits: the first digit holds the top 3 bits.
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		shift := uint(i * 5)
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift > 59:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		sb.WriteByte(alphabet[v&31])
	}
	return sb.String()
}

// ValidID reports whether s has the shape of an ID made by NewID.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') || c == 'i' || c == 'l' || c == 'o' || c == 'u' {
			return false
		}
	}
	return true
}
