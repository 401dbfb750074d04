package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/easelhq/easel"
)

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

// record records the asset, under the request's idempotency key when it has
// one: a retry then gets the asset the first request created (in one
// transaction of the store, so concurrent retries make one asset).
func (s *Uploads) record(ctx context.Context, req Request, a easel.Asset) (_ easel.Asset, replay bool, err error) {
	if req.IdempotencyKey == "" {
		if err := s.store.CreateAsset(ctx, a); err != nil {
			return easel.Asset{}, false, fmt.Errorf("upload: record asset: %w", err)
		}
		return a, false, nil
	}
	store, ok := s.store.(easel.IdempotentAssetStore)
	if !ok {
		return easel.Asset{}, false, easel.Errorf(easel.CodeInvalidArgument, "this server does not support Idempotency-Key")
	}
	key := easel.IdempotencyKey{Key: req.IdempotencyKey, RequestHash: requestHash(req, a.SHA256), ExpiresAt: time.Now().Add(s.cfg.IdempotencyTTL)}
	id, created, err := store.CreateAssetIdempotent(ctx, a, key)
	if err != nil {
		return easel.Asset{}, false, err
	}
	if created {
		return a, false, nil
	}
	first, err := s.store.GetAsset(ctx, id)
	if err != nil {
		return easel.Asset{}, false, fmt.Errorf("upload: asset of idempotency key: %w", err)
	}
	return first, true, nil
}

// checkIdempotencyKey refuses a malformed key before the body is read.
func checkIdempotencyKey(k string) error {
	if len(k) > MaxIdempotencyKey {
		return easel.Errorf(easel.CodeInvalidArgument, "Idempotency-Key is longer than %d bytes", MaxIdempotencyKey)
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return easel.Errorf(easel.CodeInvalidArgument, "Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return nil
}

// requestHash identifies what a retry must repeat: the stored bytes and
// every parameter that changes the result.
func requestHash(req Request, sum string) string {
	v := struct {
		Sum, Name             string
		Ops                   []string
		Callback, Region      string
		SkipAnalysis, NoCheck bool
		Flow                  string `json:",omitempty"`
	}{Sum: sum, Name: req.Name, SkipAnalysis: req.SkipAnalysis, NoCheck: req.SkipVerify, Flow: req.Flow}
	if req.Task != nil {
		v.Ops, v.Callback, v.Region = req.Task.Ops, req.Task.CallbackURL, req.Task.Region
	}
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
