package worker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// importFunc adapts a function to Importer.
type importFunc func(ctx context.Context, tenantID string, src easel.TaskSource) (easel.Asset, error)

func (f importFunc) Import(ctx context.Context, tenantID string, src easel.TaskSource) (easel.Asset, error) {
	return f(ctx, tenantID, src)
}

// sourceTask turns the bundle's task into one on a source image.
func (b *bundle) sourceTask(imp Importer) {
	b.task.AssetID, b.task.Source = "", &easel.TaskSource{Name: "shop", Path: "products/a.png"}
	b.tasks = newMemTasks(b.task)
	b.w.tasks, b.w.importer = b.tasks, imp
}

// TestSourceTaskImports: a task on a source image is imported first (as
// the tenant), its outputs are keyed by the imported asset, and the task
// records that asset.
func TestSourceTaskImports(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{}, succeed)
	var asked []string
	b.sourceTask(importFunc(func(_ context.Context, tenantID string, src easel.TaskSource) (easel.Asset, error) {
		asked = append(asked, tenantID+" "+src.Name+" "+src.Path)
		return easel.Asset{ID: "imported", TenantID: tenantID}, nil
	}))
	end, _ := b.deliver(t, 1).result()
	require.Equal(t, "ack", end)
	task, _ := b.tasks.get(b.task.ID)
	require.Equal(t, easel.TaskSucceeded, task.State)
	require.Equal(t, "imported", task.AssetID)
	require.Equal(t, []string{"tenant shop products/a.png"}, asked)
	key := easel.VariantKey("imported", "w_10")
	require.Equal(t, key, task.Outputs[0].Key)
	require.Equal(t, []byte("out:original"), b.stored[key])
}

// TestSourceTaskRefused: a fetch the source refuses (the tenant or path no
// longer allowed, an address blocked, not an image) makes the task dead at
// once, in the download stage; a transient failure is retried.
func TestSourceTaskRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code      easel.Code
		wantState easel.TaskState
	}{
		{easel.CodePermissionDenied, easel.TaskDead},
		{easel.CodeNotFound, easel.TaskDead},
		{easel.CodeUnsupportedMedia, easel.TaskDead},
		{easel.CodeTooLarge, easel.TaskDead},
		{easel.CodeUnavailable, easel.TaskRetrying},
	} {
		t.Run(string(tt.code), func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Backoff: []time.Duration{time.Second}}, succeed)
			b.sourceTask(importFunc(func(context.Context, string, easel.TaskSource) (easel.Asset, error) {
				return easel.Asset{}, easel.Errorf(tt.code, "refused")
			}))
			b.deliver(t, 1)
			task, _ := b.tasks.get(b.task.ID)
			require.Equal(t, tt.wantState, task.State)
			require.Equal(t, &easel.TaskError{Stage: stageDownload, Code: tt.code, Message: "refused"}, task.Error)
			require.Empty(t, task.AssetID)
		})
	}
	b := setup(t, Config{}, succeed)
	b.sourceTask(nil)
	b.deliver(t, 1)
	task, _ := b.tasks.get(b.task.ID)
	require.Equal(t, easel.TaskDead, task.State)
	require.Equal(t, easel.CodeInvalidArgument, task.Error.Code)
}
