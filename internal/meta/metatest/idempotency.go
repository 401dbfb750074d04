package metatest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// testIdempotentCreate: one asset per tenant and key, the first one's ID on
// a retry, a mismatch for another request, concurrent calls creating one
// asset, keys of other tenants apart, expired keys purged and reusable.
func testIdempotentCreate(t *testing.T, ms easel.MetaStore) {
	s, ok := ms.(easel.IdempotentAssetStore)
	require.True(t, ok, "the store implements easel.IdempotentAssetStore")
	ctx := context.Background()
	acme, other := createTenant(t, ms, "acme"), createTenant(t, ms, "other")
	later := time.Now().Add(time.Hour)
	key := easel.IdempotencyKey{Key: "k1", RequestHash: "h1", ExpiresAt: later}

	first := newAsset(acme.ID, sha("one"))
	id, created, err := s.CreateAssetIdempotent(ctx, first, key)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, first.ID, id)

	retry := newAsset(acme.ID, sha("one"))
	id, created, err = s.CreateAssetIdempotent(ctx, retry, key)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first.ID, id)
	_, err = ms.GetAsset(ctx, retry.ID)
	requireCode(t, easel.CodeNotFound, err)

	_, _, err = s.CreateAssetIdempotent(ctx, newAsset(acme.ID, sha("two")), easel.IdempotencyKey{Key: "k1", RequestHash: "h2", ExpiresAt: later})
	requireCode(t, easel.CodeIdempotencyMismatch, err)

	elsewhere := newAsset(other.ID, sha("one"))
	id, created, err = s.CreateAssetIdempotent(ctx, elsewhere, key)
	require.NoError(t, err)
	require.True(t, created, "keys are scoped to the tenant")
	require.Equal(t, elsewhere.ID, id)

	var wg sync.WaitGroup
	ids := make([]string, 8)
	var mu sync.Mutex
	createdN := 0
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, created, err := s.CreateAssetIdempotent(ctx, newAsset(acme.ID, sha("three")), easel.IdempotencyKey{Key: "k3", RequestHash: "h3", ExpiresAt: later})
			if err != nil {
				t.Errorf("concurrent create: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[i] = id
			if created {
				createdN++
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, createdN, "one asset for concurrent duplicates")
	for _, id := range ids {
		require.Equal(t, ids[0], id)
	}

	old := easel.IdempotencyKey{Key: "old", RequestHash: "h", ExpiresAt: time.Now().Add(-time.Minute)}
	_, _, err = s.CreateAssetIdempotent(ctx, newAsset(acme.ID, sha("four")), old)
	require.NoError(t, err)
	n, err := s.PurgeIdempotencyKeys(ctx, time.Now())
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "only the expired key")
	old.RequestHash = "other"
	_, created, err = s.CreateAssetIdempotent(ctx, newAsset(acme.ID, sha("five")), old)
	require.NoError(t, err)
	require.True(t, created, "an expired key is free again")
}
