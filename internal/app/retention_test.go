package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
)

// TestRetentionInServe: with retention.originals of two seconds, the
// janitor that `serve` runs deletes an uploaded asset with its original,
// levels and stored variant, records it in the retention log, and the
// asset answers 404.
func TestRetentionInServe(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) {
		c.Retention.Originals = 2 * time.Second
		c.Retention.Interval = 300 * time.Millisecond
		c.Retention.BatchSize = 2
	})
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		ids = append(ids, b.upload(t, noisePNG(t, uint64(40+i), 64, 48), "?analyze=false")["id"].(string))
	}
	path, err := b.app.Keys.SignPath(ctx, b.tenant, "w_20,f_png", ids[0], "")
	require.NoError(t, err)
	resp, out := b.do(t, "GET", path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	variant := func() []string {
		var keys []string
		require.NoError(t, b.app.Blobs.List(ctx, easel.VariantPrefix(ids[0]), func(bi easel.BlobInfo) error {
			keys = append(keys, bi.Key)
			return nil
		}))
		return keys
	}
	require.Eventually(t, func() bool { return len(variant()) == 1 }, 5*time.Second, 10*time.Millisecond, "the variant is stored")
	u, err := b.app.Meta.StoredUsage(ctx, b.tenant)
	require.NoError(t, err)
	require.Equal(t, int64(1), u.Variants, "and recorded")

	require.Eventually(t, func() bool {
		resp, _ := b.do(t, "GET", "/v1/assets/"+ids[2], nil)
		return resp.StatusCode == http.StatusNotFound
	}, 15*time.Second, 50*time.Millisecond, "the newest asset expired too")
	for _, id := range ids {
		resp, out := b.do(t, "GET", "/v1/assets/"+id, nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, string(out))
	}
	var left []string
	require.NoError(t, b.app.Blobs.List(ctx, "", func(bi easel.BlobInfo) error {
		left = append(left, bi.Key)
		return nil
	}))
	for _, k := range left {
		require.NotRegexp(t, `^(originals|levels|variants)/`, k, "every blob of the expired assets is gone")
	}
	log, err := b.app.Meta.RetentionLog(ctx, b.tenant, 10)
	require.NoError(t, err)
	require.Len(t, log, 3)
	for _, it := range log {
		require.NotNil(t, it.DoneAt)
	}
	u, err = b.app.Meta.StoredUsage(ctx, b.tenant)
	require.NoError(t, err)
	require.Equal(t, easel.StoredUsage{}, u)
	resp, out = b.do(t, "GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(out), `easel_retention_deleted_total{kind="original",tenant="`+b.tenant+`"} 3`)
}
