package delivery_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/delivery"
)

// keyVerifier is a KeyVerifier over functions, counting HMAC checks.
type keyVerifier struct {
	verifierFunc
	checks atomic.Int32
	gen    atomic.Uint64
	live   atomic.Bool
}

func (k *keyVerifier) VerifyKey(ctx context.Context, tenantID, sig, path string) (string, error) {
	k.checks.Add(1)
	if ok, err := k.verifierFunc(ctx, tenantID, sig, path); !ok || err != nil {
		return "", err
	}
	return "key1", nil
}
func (k *keyVerifier) Generation() uint64               { return k.gen.Load() }
func (k *keyVerifier) KeyLive(tenantID, id string) bool { return id == "key1" && k.live.Load() }

var _ delivery.KeyVerifier = (*keyVerifier)(nil)

func TestHitsVerifyTheSignatureOncePerURLWhileItsKeyLives(t *testing.T) {
	t.Parallel()
	b := setup(t)
	kv := &keyVerifier{verifierFunc: b.verify}
	kv.live.Store(true)
	d := delivery.New(delivery.Config{CacheBytes: 1 << 20, Timeout: 5e9}, b.meta, b.blobs, b.render, kv, delivery.NewLimiter(2, 4), nopObserver{}, slog.New(slog.DiscardHandler))
	t.Cleanup(d.Close)
	path := "sig/w_2,f_png/" + b.asset.ID
	for _, layer := range []string{"render", "memory", "memory", "memory"} {
		out, err := b.get(t, d, path)
		require.NoError(t, err)
		require.Equal(t, layer, out.Layer)
	}
	require.EqualValues(t, 1, kv.checks.Load(), "the miss verified the URL; hits only check that its key is live")

	kv.gen.Add(1) // keys reloaded, the key still live
	_, err := b.get(t, d, path)
	require.NoError(t, err)
	require.EqualValues(t, 1, kv.checks.Load())

	kv.live.Store(false) // revoked
	b.live.Store(false)
	kv.gen.Add(1)
	_, err = b.get(t, d, path)
	require.Equal(t, easel.CodePermissionDenied, easel.ErrorCode(err))

	_, err = b.get(t, d, "sig/w_2,f_png/"+b.asset.ID+"x")
	require.Error(t, err, "another URL is verified on its own")
}
