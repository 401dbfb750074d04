package sqlite_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/metatest"
	"github.com/easelhq/easel/internal/meta/sqlite"
)

func TestEventOutbox(t *testing.T) {
	t.Parallel()
	metatest.RunEvents(t, func(t *testing.T) metatest.EventStore {
		s, _ := open(t)
		return s
	})
}

// TestEventsOfOtherProcesses: a Store lists its own fresh events at once,
// and another Store's (another process on the same file) only once they
// are older than othersBefore.
func TestEventsOfOtherProcesses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, path := open(t)
	defer a.Close()
	b, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	require.NoError(t, err)
	defer b.Close()
	tn := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: time.Now().UTC()}
	require.NoError(t, a.CreateTenant(ctx, tn))
	tk := easel.Task{ID: easel.NewID(), TenantID: tn.ID, AssetID: easel.NewID(), Kind: easel.TaskRender,
		Ops: []string{"w_1"}, State: easel.TaskAccepted, CreatedAt: tn.CreatedAt, UpdatedAt: tn.CreatedAt}
	require.NoError(t, a.CreateTasks(ctx, nil, []easel.Task{tk}))

	mine, err := a.UnpublishedEvents(ctx, 10, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.Len(t, mine, 1)
	theirs, err := b.UnpublishedEvents(ctx, 10, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.Empty(t, theirs, "another process's fresh event")
	theirs, err = b.UnpublishedEvents(ctx, 10, time.Now().Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, mine, theirs, "taken over once old enough")
}
