package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/blob/s3/s3test"
	"github.com/easelhq/easel/internal/meta/postgres/pgtest"
	"github.com/easelhq/easel/internal/queue/queuetest"
	"github.com/easelhq/easel/internal/testimages"
)

// TestSharedNothing runs `easel api` and `easel worker` with PostgreSQL
// metadata, S3 blobs and a NATS server, each on a data directory of its
// own: an upload through the api is processed by the worker and its output
// renders through the api, and neither wrote anything to its directory.
func TestSharedNothing(t *testing.T) {
	t.Parallel()
	photo := testimages.Path(t, "photos/plasma_ColorfulCups_2560x1600.jpg")
	pg := pgtest.Start(t)
	s3 := s3test.Start(t)
	bucket := s3.NewBucket()
	nats := queuetest.StartServer(t)
	env := []string{
		"EASEL_QUEUE_URL=" + nats.URL(),
		"EASEL_META_BACKEND=postgres", "EASEL_META_POSTGRES_URL=" + pg.NewSchema(t),
		"EASEL_BLOB_BACKEND=s3", "EASEL_BLOB_S3_ENDPOINT=" + s3.Endpoint, "EASEL_BLOB_S3_BUCKET=" + bucket,
		"EASEL_BLOB_S3_ACCESS_KEY=" + s3.AccessKey, "EASEL_BLOB_S3_SECRET_KEY=" + s3.SecretKey, "EASEL_BLOB_S3_PATH_STYLE=true",
	}
	apiData, workerData := t.TempDir(), t.TempDir()
	api := startRole(t, "api", apiData, env...)
	require.NotEmpty(t, api.apiKey)
	startRole(t, "worker", workerData, env...)

	status, body := api.uploadWith(t, photo, "?wait=30s", [2]string{"ops", "w_400,f_webp"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "succeeded", field(body, "task", "state"), "%v", body)
	out := field(body, "task", "outputs").([]any)[0].(map[string]any)
	resp, img := api.get(t, out["url"].(string))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", img)
	require.Equal(t, "store", resp.Header.Get("X-Easel-Cache"), "the worker stored the variant on S3")
	require.EqualValues(t, len(img), out["bytes"])

	// An on-the-fly render of the original, read from S3 by the api.
	assetID := field(body, "asset", "id").(string)
	status, asset := api.apiCall(t, "GET", "/v1/assets/"+assetID, nil)
	require.Equal(t, http.StatusOK, status, "%v", asset)

	resp, ready := api.get(t, "/readyz")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", ready)
	require.Contains(t, string(ready), `"metadata":"postgres"`)
	require.Contains(t, string(ready), `"blobs":"s3"`)
	require.Contains(t, string(ready), `"queue":"nats"`)

	for _, dir := range []string{apiData, workerData} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			// tmp/ is local scratch (uploads are spooled there while they
			// arrive), emptied as each upload ends: nothing shared.
			require.Equal(t, "tmp", e.Name(), "%s: no shared folder needed", dir)
			scratch, err := os.ReadDir(filepath.Join(dir, "tmp"))
			require.NoError(t, err)
			require.Empty(t, scratch, "%s: uploads leave nothing in tmp/", dir)
		}
	}

	// The originals and the variant are in the bucket.
	objs, err := os.ReadDir(s3.Dir + "/" + bucket)
	require.NoError(t, err)
	var names []string
	for _, o := range objs {
		names = append(names, o.Name())
	}
	require.Contains(t, strings.Join(names, " "), "originals", "%v", names)

	// PostgreSQL down: /readyz says which backend, by name.
	if pg.Managed() {
		pg.Stop()
		resp, ready = api.get(t, "/readyz")
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", ready)
		require.Contains(t, string(ready), `"metadata":"unavailable: postgres meta: ping`)
		pg.Start()
		require.Eventually(t, func() bool {
			resp, _ := api.get(t, "/readyz")
			return resp.StatusCode == http.StatusOK
		}, 30*time.Second, 200*time.Millisecond)
	}
}
