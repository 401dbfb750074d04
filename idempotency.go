package easel

import (
	"context"
	"time"
)

// IdempotencyKey is a client's Idempotency-Key on an upload, scoped to its
// tenant: a retry with the same key and the same request gets the first
// result; the same key with a different request is refused.
type IdempotencyKey struct {
	Key string
	// RequestHash identifies the request (body and parameters).
	RequestHash string
	// ExpiresAt is when the key is forgotten.
	ExpiresAt time.Time
}

// IdempotentAssetStore records assets under idempotency keys.
//
// CreateAssetIdempotent creates a, recording key for a.TenantID in the same
// transaction, and returns (a.ID, true); when the tenant already holds key
// (unexpired), it creates nothing and returns the asset ID recorded with it
// and false, or CodeIdempotencyMismatch when the key's RequestHash differs.
// Concurrent calls with one key create one asset. PurgeIdempotencyKeys
// deletes the keys expired before t and reports how many.
type IdempotentAssetStore interface {
	CreateAssetIdempotent(ctx context.Context, a Asset, key IdempotencyKey) (assetID string, created bool, err error)
	PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error)
}
