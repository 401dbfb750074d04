package metatest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// LevelStore is a backend that keeps both metadata and asset levels.
type LevelStore interface {
	easel.MetaStore
	easel.LevelStore
}

// RunLevels runs the levels part of the conformance suite. newStore must
// return a new, empty store for every call; subtests run in parallel and
// close their store when done.
func RunLevels(t *testing.T, newStore func(t *testing.T) LevelStore) {
	t.Helper()
	runCases(t, newStore, []testCase[LevelStore]{
		{"LevelsRoundTrip", testLevelsRoundTrip},
		{"LevelsInvalid", testLevelsInvalid},
	})
}

func testLevelsRoundTrip(t *testing.T, s LevelStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "levels")
	a := newAsset(tn.ID, sha("levels"))
	require.NoError(t, s.CreateAsset(ctx, a))
	got, err := s.GetAsset(ctx, a.ID)
	require.NoError(t, err)
	require.Nil(t, got.Levels, "no levels before they are made")
	require.Zero(t, got.LevelsBytes)

	levels := []easel.Level{
		{Side: 512, Width: 512, Height: 384, Format: "jpeg", Bytes: 40000},
		{Side: 256, Width: 256, Height: 192, Format: "jpeg", Bytes: 12000},
	}
	require.NoError(t, s.SetLevels(ctx, a.ID, levels))
	got, err = s.GetAsset(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, levels, got.Levels)
	require.Equal(t, int64(52000), got.LevelsBytes)
	list, _, err := s.ListAssets(ctx, tn.ID, easel.ListPage{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, levels, list[0].Levels)

	t.Run("replaced, and none recorded as empty", func(t *testing.T) {
		require.NoError(t, s.SetLevels(ctx, a.ID, nil))
		got, err := s.GetAsset(ctx, a.ID)
		require.NoError(t, err)
		require.NotNil(t, got.Levels)
		require.Empty(t, got.Levels)
	})
	t.Run("missing asset", func(t *testing.T) {
		requireCode(t, easel.CodeNotFound, s.SetLevels(ctx, easel.NewID(), levels))
	})
	t.Run("deleted asset", func(t *testing.T) {
		_, err := s.DeleteAsset(ctx, a.ID)
		require.NoError(t, err)
		requireCode(t, easel.CodeNotFound, s.SetLevels(ctx, a.ID, levels))
	})
}

func testLevelsInvalid(t *testing.T, s LevelStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "levels")
	a := newAsset(tn.ID, sha("levels"))
	require.NoError(t, s.CreateAsset(ctx, a))
	for _, tt := range []struct {
		name string
		l    easel.Level
	}{
		{"zero side", easel.Level{Width: 1, Height: 1, Format: "jpeg"}},
		{"zero width", easel.Level{Side: 1, Height: 1, Format: "jpeg"}},
		{"no format", easel.Level{Side: 1, Width: 1, Height: 1}},
		{"negative bytes", easel.Level{Side: 1, Width: 1, Height: 1, Format: "jpeg", Bytes: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			requireCode(t, easel.CodeInvalidArgument, s.SetLevels(ctx, a.ID, []easel.Level{tt.l}))
		})
	}
}
