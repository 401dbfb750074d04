package easel

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The error codes of quotas and rate limits (part of the public API, like
// the codes in errors.go). Both answer 429 with Retry-After.
const (
	// CodeQuotaExceeded: the tenant's stored bytes would pass its quota.
	CodeQuotaExceeded Code = "quota_exceeded"
	// CodeRateLimited: the tenant sends uploads or renders faster than its
	// policy allows.
	CodeRateLimited Code = "rate_limited"
)

// RetryAfter is the cause of an error that tells the client when to try
// again (Retry-After). Wrap it with WrapError.
type RetryAfter time.Duration

func (r RetryAfter) Error() string { return fmt.Sprintf("retry after %s", time.Duration(r)) }

// RetryAfterOf returns the wait an error's chain carries, if any.
func RetryAfterOf(err error) (time.Duration, bool) {
	var r RetryAfter
	if errors.As(err, &r) {
		return time.Duration(r), true
	}
	return 0, false
}

// TenantPolicy overrides the configured quotas, rate limits and retention
// of one tenant. A nil field keeps the configured default; a zero value
// means unlimited (or, for a retention, kept forever).
type TenantPolicy struct {
	TenantID           string         `json:"tenant_id"`
	MaxStoredBytes     *int64         `json:"max_stored_bytes,omitempty"`
	UploadsPerMinute   *int64         `json:"uploads_per_minute,omitempty"`
	RendersPerSecond   *float64       `json:"renders_per_second,omitempty"`
	RenderBurst        *int64         `json:"render_burst,omitempty"`
	RetentionOriginals *time.Duration `json:"retention_originals,omitempty"`
	RetentionVariants  *time.Duration `json:"retention_variants,omitempty"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// StoredVariant is a rendering kept in the blob store under Key
// (VariantKey), as recorded for quotas and retention.
type StoredVariant struct {
	Key       string
	AssetID   string
	TenantID  string
	Bytes     int64
	CreatedAt time.Time
}

// StoredUsage is what a tenant keeps in the blob store, as recorded in the
// metadata: every asset counts its original's bytes (shared bytes count
// for each asset), its levels and its stored variants.
type StoredUsage struct {
	Assets        int64 `json:"assets"`
	OriginalBytes int64 `json:"original_bytes"`
	LevelBytes    int64 `json:"level_bytes"`
	Variants      int64 `json:"variants"`
	VariantBytes  int64 `json:"variant_bytes"`
}

// Total is the stored bytes the quota counts.
func (u StoredUsage) Total() int64 { return u.OriginalBytes + u.LevelBytes + u.VariantBytes }

// QuotaStore keeps tenant policies and the usage quotas are checked
// against.
//
// Every implementation passes the quota part of internal/meta/metatest.
type QuotaStore interface {
	// TenantPolicy returns the tenant's policy; a tenant without one gets
	// an empty policy (every field nil) and no error.
	TenantPolicy(ctx context.Context, tenantID string) (TenantPolicy, error)
	// SetTenantPolicy replaces the tenant's policy. A missing tenant gives
	// CodeNotFound; a negative value CodeInvalidArgument.
	SetTenantPolicy(ctx context.Context, p TenantPolicy) error
	// RecordVariant records (or replaces) a stored variant. When its asset
	// is gone nothing is recorded and no error is returned.
	RecordVariant(ctx context.Context, v StoredVariant) error
	// ForgetVariant removes the record of the variant under key; a missing
	// one is not an error.
	ForgetVariant(ctx context.Context, key string) error
	// StoredUsage sums what the tenant stores.
	StoredUsage(ctx context.Context, tenantID string) (StoredUsage, error)
	// RecordUpload counts one upload of the tenant at a time.
	RecordUpload(ctx context.Context, tenantID string, bytes int64, at time.Time) error
	// CountUploads returns how many uploads the tenant made at or after
	// since, and the time of the oldest of them (zero when none).
	CountUploads(ctx context.Context, tenantID string, since time.Time) (n int64, oldest time.Time, err error)
	// AddRenders adds n renders of the tenant to the minute that holds at.
	AddRenders(ctx context.Context, tenantID string, at time.Time, n int64) error
	// CountRenders sums the tenant's renders of the minutes that start at
	// or after since.
	CountRenders(ctx context.Context, tenantID string, since time.Time) (int64, error)
	// PurgeUsage deletes the upload and render counts older than before.
	PurgeUsage(ctx context.Context, before time.Time) error
}

// Kinds of what retention deletes.
const (
	RetentionOriginal = "original" // an asset: its original, levels and variants
	RetentionVariant  = "variant"  // one stored variant
)

// RetentionItem is one deletion of the retention janitor, journalled
// before it starts and marked done once nothing of it is left.
type RetentionItem struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Kind     string `json:"kind"`     // RetentionOriginal or RetentionVariant
	AssetID  string `json:"asset_id"` // the asset, or the variant's asset
	// Key is the variant's blob key; for an original, the asset's SHA256.
	Key       string     `json:"key"`
	Bytes     int64      `json:"bytes"`
	CreatedAt time.Time  `json:"created_at"` // of what expired
	StartedAt time.Time  `json:"started_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
}

// RetentionStore is what the retention janitor needs of the metadata:
// expired things, a journal of deletions and a lease so one node at a time
// runs it.
//
// Every implementation passes the retention part of internal/meta/metatest.
type RetentionStore interface {
	// AcquireLease takes or renews the named lease for holder until
	// now+ttl. It returns false when another holder has it unexpired.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives up holder's lease; not holding it is not an error.
	ReleaseLease(ctx context.Context, name, holder string) error
	// ExpiredAssets returns up to limit of the tenant's assets created
	// before before, oldest first.
	ExpiredAssets(ctx context.Context, tenantID string, before time.Time, limit int) ([]Asset, error)
	// ExpiredVariants returns up to limit of the tenant's stored variants
	// created before before, oldest first.
	ExpiredVariants(ctx context.Context, tenantID string, before time.Time, limit int) ([]StoredVariant, error)
	// BeginRetention journals items as pending. An item with the same
	// Kind, AssetID and Key already pending is left as it is.
	BeginRetention(ctx context.Context, items []RetentionItem) error
	// PendingRetention returns up to limit journalled items not done yet,
	// oldest first.
	PendingRetention(ctx context.Context, limit int) ([]RetentionItem, error)
	// FinishRetention marks the item done.
	FinishRetention(ctx context.Context, id string, at time.Time) error
	// RetentionLog returns the tenant's journalled items, newest first.
	RetentionLog(ctx context.Context, tenantID string, limit int) ([]RetentionItem, error)
	// CountAssetsBySHA256 counts the assets, of any tenant, whose original
	// has the hash.
	CountAssetsBySHA256(ctx context.Context, sha256hex string) (int, error)
}
