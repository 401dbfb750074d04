package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/client"
	"github.com/easelhq/easel/internal/testimages"
	"github.com/easelhq/easel/internal/testserve"
)

// startEasel runs `easel serve` (internal/testserve) and returns its base
// URL and the API key it printed.
func startEasel(t *testing.T) (base, key string) {
	t.Helper()
	return startEaselIn(t, t.TempDir())
}

// startEaselIn is startEasel on the data directory data.
func startEaselIn(t *testing.T, data string) (base, key string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real easel serve")
	}
	s := testserve.Start(t, testserve.Options{Data: data})
	return s.Base, s.APIKey
}

func TestAgainstEaselServe(t *testing.T) {
	base, key := startEasel(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.New([]string{base}, client.WithAPIKey(key))
	require.NoError(t, err)

	photo := testimages.Path(t, "photos/mate_Wood.jpg")
	var sent, total int64
	res, err := c.Upload(ctx, client.UploadRequest{Path: photo, Ops: []string{"w_200,f_webp"}, Wait: 30 * time.Second,
		Progress: func(s, tot int64) { sent, total = s, tot }})
	require.NoError(t, err)
	require.Equal(t, "jpeg", res.Asset.Format)
	require.Equal(t, 2560, res.Asset.Width)
	require.Equal(t, "mate_Wood.jpg", res.Asset.Name)
	require.NotNil(t, res.Task)
	require.Equal(t, sent, total)
	task, err := c.WaitTask(ctx, res.Task.ID, nil)
	require.NoError(t, err)
	require.Equal(t, easel.TaskSucceeded, task.State, "%+v", task.Error)
	require.Equal(t, 200, task.Outputs[0].Width)
	require.True(t, strings.HasPrefix(task.Outputs[0].URL, "/i/"))

	got, err := c.GetAsset(ctx, res.Asset.ID)
	require.NoError(t, err)
	require.Equal(t, res.Asset.SHA256, got.SHA256)

	second, err := c.Upload(ctx, client.UploadRequest{Path: testimages.Path(t, "photos/plasma_Grey_2560x1600.jpg")})
	require.NoError(t, err)
	var ids []string
	for a, err := range c.ListAssets(ctx, 1) {
		require.NoError(t, err)
		ids = append(ids, a.ID)
	}
	require.ElementsMatch(t, []string{res.Asset.ID, second.Asset.ID}, ids, "pages of one follow the cursor")

	b, err := c.SubmitBatch(ctx, []client.TaskRequest{{AssetID: second.Asset.ID, Ops: []string{"w_100"}}, {AssetID: res.Asset.ID, Ops: []string{"w_120"}}}, "")
	require.NoError(t, err)
	require.Equal(t, 2, b.Batch.Total)
	require.Len(t, b.TaskIDs, 2)

	_, err = c.Upload(ctx, client.UploadRequest{Reader: strings.NewReader("not an image at all"), Name: "x.txt"})
	require.True(t, errors.Is(err, client.ErrUnsupportedMedia), "%v", err)
	_, err = c.SubmitTask(ctx, client.TaskRequest{AssetID: res.Asset.ID, Ops: []string{"w_nope"}}, 0)
	require.True(t, errors.Is(err, client.ErrInvalidArgument), "%v", err)

	require.NoError(t, c.DeleteAsset(ctx, second.Asset.ID))
	_, err = c.GetAsset(ctx, second.Asset.ID)
	require.True(t, client.IsNotFound(err), "%v", err)

	stranger, err := client.New([]string{base}, client.WithAPIKey("ek_wrong"), client.WithRetries(1))
	require.NoError(t, err)
	_, err = stranger.GetAsset(ctx, res.Asset.ID)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 401, e.Status)
	require.True(t, errors.Is(err, client.ErrUnauthenticated))
}
