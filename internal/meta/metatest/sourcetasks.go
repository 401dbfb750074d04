package metatest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// testSourceTask: a task on a source image is stored with its source and
// no asset; UpdateTask fills the asset once and never changes it after.
func testSourceTask(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	tk.AssetID, tk.Source = "", &easel.TaskSource{Name: "shop", Path: "products/a%20b.jpg"}
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))
	require.Equal(t, tk, getTask(t, s, tk.ID))

	bad := newTask(acme.ID)
	bad.AssetID = ""
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, nil, []easel.Task{bad}))

	running := tk
	running.State, running.AssetID, running.UpdatedAt = easel.TaskRunning, "imported", at(1)
	running.Source = &easel.TaskSource{Name: "other", Path: "x"} // ignored: never changes
	ok, err := s.UpdateTask(ctx, running, easel.TaskAccepted)
	require.NoError(t, err)
	require.True(t, ok)
	want := running
	want.Source = tk.Source
	require.Equal(t, want, getTask(t, s, tk.ID))

	again := want
	again.AssetID, again.UpdatedAt = "another", at(2)
	ok, err = s.UpdateTask(ctx, again)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "imported", getTask(t, s, tk.ID).AssetID, "a set asset never changes")
}

// testSourceAssets: a fetched image's asset by tenant, source, path and
// content; a put replaces the asset of the same four.
func testSourceAssets(t *testing.T, s Store) {
	ss, ok := s.(easel.SourceAssetStore)
	require.True(t, ok, "the store implements easel.SourceAssetStore")
	ctx := context.Background()
	acme, other := createTenant(t, s, "acme"), createTenant(t, s, "other")
	r := easel.SourceAsset{TenantID: acme.ID, Source: "shop", Path: "/a.jpg", SHA256: sha("one"), ETag: `"e1"`, AssetID: "a1", CreatedAt: at(1)}

	_, err := ss.GetSourceAsset(ctx, acme.ID, "shop", "/a.jpg", sha("one"))
	requireCode(t, easel.CodeNotFound, err)
	require.NoError(t, ss.PutSourceAsset(ctx, r))
	id, err := ss.GetSourceAsset(ctx, acme.ID, "shop", "/a.jpg", sha("one"))
	require.NoError(t, err)
	require.Equal(t, "a1", id)

	for _, miss := range [][4]string{
		{other.ID, "shop", "/a.jpg", sha("one")},
		{acme.ID, "web", "/a.jpg", sha("one")},
		{acme.ID, "shop", "/b.jpg", sha("one")},
		{acme.ID, "shop", "/a.jpg", sha("two")},
	} {
		_, err := ss.GetSourceAsset(ctx, miss[0], miss[1], miss[2], miss[3])
		requireCode(t, easel.CodeNotFound, err)
	}

	r.AssetID, r.CreatedAt = "a2", at(2)
	require.NoError(t, ss.PutSourceAsset(ctx, r))
	id, err = ss.GetSourceAsset(ctx, acme.ID, "shop", "/a.jpg", sha("one"))
	require.NoError(t, err)
	require.Equal(t, "a2", id)

	r.TenantID = "nobody"
	requireCode(t, easel.CodeNotFound, ss.PutSourceAsset(ctx, r))
	requireCode(t, easel.CodeInvalidArgument, ss.PutSourceAsset(ctx, easel.SourceAsset{TenantID: acme.ID}))
}
