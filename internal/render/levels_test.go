package render

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// fakeEngine is an Engine of functions; Raster is unused here.
type fakeEngine struct {
	probe  func(data []byte) (transform.Source, error)
	render func(ctx context.Context, data []byte, plan transform.Plan, overlay []byte) (transform.Output, error)
}

func (e fakeEngine) Probe(data []byte) (transform.Source, error) { return e.probe(data) }
func (e fakeEngine) Render(ctx context.Context, data []byte, plan transform.Plan, overlay []byte) (transform.Output, error) {
	return e.render(ctx, data, plan, overlay)
}
func (e fakeEngine) Raster(context.Context, []byte, int) ([]byte, int, int, error) {
	panic("not used")
}

var _ Engine = fakeEngine{}

// mapBlobs is an easel.BlobStore over a map, read-only in these tests.
type mapBlobs map[string][]byte

func (m mapBlobs) Put(context.Context, string, io.Reader) error { panic("not used") }
func (m mapBlobs) Get(_ context.Context, key string) (io.ReadCloser, error) {
	b, ok := m[key]
	if !ok {
		return nil, easel.Errorf(easel.CodeNotFound, "no blob %s", key)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}
func (m mapBlobs) Stat(context.Context, string) (easel.BlobInfo, error) { panic("not used") }
func (m mapBlobs) Delete(context.Context, string) error                 { panic("not used") }
func (m mapBlobs) List(context.Context, string, func(easel.BlobInfo) error) error {
	panic("not used")
}
func (m mapBlobs) Ping(context.Context) error { return nil }

var _ easel.BlobStore = mapBlobs{}

func TestRenderReadsTheSmallestLargeEnoughLevel(t *testing.T) {
	levels := []easel.Level{
		{Side: 2048, Width: 2048, Height: 1536, Format: "jpeg", Bytes: 5},
		{Side: 1024, Width: 1024, Height: 768, Format: "jpeg", Bytes: 5},
		{Side: 512, Width: 512, Height: 384, Format: "jpeg", Bytes: 5},
	}
	stored := mapBlobs{
		easel.LevelKey("a1", 2048, "jpeg"): []byte("L2048"),
		easel.LevelKey("a1", 1024, "jpeg"): []byte("L1024"),
		easel.LevelKey("a1", 512, "jpeg"):  []byte("L512"),
	}
	for _, tt := range []struct {
		name      string
		ops       string
		levels    []easel.Level
		blobs     mapBlobs
		wantData  string
		wantLevel int
	}{
		{name: "no levels yet: the original", ops: "w_300", wantData: "ORIGINAL"},
		{name: "w_300 reads the 1024 level (512 is under twice 300)", ops: "w_300", levels: levels, blobs: stored, wantData: "L1024", wantLevel: 1024},
		{name: "w_200 reads the 512 level", ops: "w_200", levels: levels, blobs: stored, wantData: "L512", wantLevel: 512},
		{name: "w_1500 needs more than any level: the original", ops: "w_1500", levels: levels, blobs: stored, wantData: "ORIGINAL"},
		{name: "a level missing from storage: the original", ops: "w_300", levels: levels, blobs: mapBlobs{}, wantData: "ORIGINAL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var gotData string
			var gotPlan transform.Plan
			eng := fakeEngine{
				probe: func(data []byte) (transform.Source, error) {
					require.Equal(t, "ORIGINAL", string(data), "the plan is made on the original")
					return transform.Source{Format: transform.FormatJPEG, Width: 4000, Height: 3000, Orientation: 1, Pages: 1}, nil
				},
				render: func(_ context.Context, data []byte, plan transform.Plan, _ []byte) (transform.Output, error) {
					gotData, gotPlan = string(data), plan
					return transform.Output{Data: []byte("out"), Format: transform.FormatJPEG, Width: plan.Width, Height: plan.Height}, nil
				},
			}
			r := New(nil, tt.blobs, eng, nil, transform.PlanConfig{}, 1<<20)
			o, err := transform.Parse(tt.ops)
			require.NoError(t, err)
			a := easel.Asset{ID: "a1", Format: "jpeg", Width: 4000, Height: 3000, Pages: 1, Levels: tt.levels}
			out, err := r.Render(context.Background(), a, []byte("ORIGINAL"), o, "")
			require.NoError(t, err)
			require.Equal(t, tt.wantData, gotData)
			require.Equal(t, tt.wantLevel, out.Level)
			// The output geometry is the one planned on the original.
			direct, err := transform.NewPlan(o, transform.Source{Format: transform.FormatJPEG, Width: 4000, Height: 3000, Orientation: 1, Pages: 1}, transform.PlanConfig{})
			require.NoError(t, err)
			require.Equal(t, direct.Width, gotPlan.Width)
			require.Equal(t, direct.Height, gotPlan.Height)
		})
	}
}

func TestRenderOriginalOpIgnoresLevels(t *testing.T) {
	eng := fakeEngine{
		probe: func([]byte) (transform.Source, error) { panic("no probe for -") },
		render: func(context.Context, []byte, transform.Plan, []byte) (transform.Output, error) {
			panic("no render for -")
		},
	}
	r := New(nil, mapBlobs{}, eng, nil, transform.PlanConfig{}, 1<<20)
	o, err := transform.Parse("-")
	require.NoError(t, err)
	a := easel.Asset{ID: "a1", Format: "jpeg", Width: 4000, Height: 3000, Pages: 1,
		Levels: []easel.Level{{Side: 1024, Width: 1024, Height: 768, Format: "jpeg"}}}
	out, err := r.Render(context.Background(), a, []byte("ORIGINAL"), o, "")
	require.NoError(t, err)
	require.Equal(t, "ORIGINAL", string(out.Data))
	require.Zero(t, out.Level)
}

// TestRenderWithoutOriginalReadsItOnlyWhenNoLevelServes: with a nil
// original (delivery), a render a level serves neither reads nor probes the
// original; anything else reads it from storage and plans on it.
func TestRenderWithoutOriginalReadsItOnlyWhenNoLevelServes(t *testing.T) {
	levels := []easel.Level{
		{Side: 1024, Width: 1024, Height: 768, Format: "jpeg", Bytes: 5},
		{Side: 640, Width: 640, Height: 480, Format: "jpeg", Bytes: 5},
	}
	a := easel.Asset{ID: "a1", SHA256: "abc", Format: "jpeg", Width: 4000, Height: 3000, Pages: 1, Levels: levels}
	withOriginal := mapBlobs{
		easel.LevelKey("a1", 1024, "jpeg"): []byte("L1024"),
		easel.LevelKey("a1", 640, "jpeg"):  []byte("L640"),
		easel.OriginalKey("abc"):           []byte("ORIGINAL"),
	}
	levelsOnly := mapBlobs{
		easel.LevelKey("a1", 1024, "jpeg"): []byte("L1024"),
		easel.LevelKey("a1", 640, "jpeg"):  []byte("L640"),
	}
	for _, tt := range []struct {
		name      string
		ops       string
		asset     easel.Asset
		blobs     mapBlobs
		wantData  string
		wantLevel int
		wantProbe bool
	}{
		{name: "w_300 from the 640 level, no original in storage", ops: "w_300", asset: a, blobs: levelsOnly, wantData: "L640", wantLevel: 640},
		{name: "w_400 from the 1024 level", ops: "w_400", asset: a, blobs: levelsOnly, wantData: "L1024", wantLevel: 1024},
		{name: "w_1500: the original, read and probed", ops: "w_1500", asset: a, blobs: withOriginal, wantData: "ORIGINAL", wantProbe: true},
		{name: "faces with no analysis: the original", ops: "w_300,h_300,c_fill,g_face", asset: a, blobs: withOriginal, wantData: "L1024", wantLevel: 1024, wantProbe: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var gotData string
			probed := false
			eng := fakeEngine{
				probe: func(data []byte) (transform.Source, error) {
					require.Equal(t, "ORIGINAL", string(data))
					probed = true
					return transform.Source{Format: transform.FormatJPEG, Width: 4000, Height: 3000, Orientation: 1, Pages: 1}, nil
				},
				render: func(_ context.Context, data []byte, plan transform.Plan, _ []byte) (transform.Output, error) {
					gotData = string(data)
					return transform.Output{Data: []byte("out"), Format: transform.FormatJPEG, Width: plan.Width, Height: plan.Height}, nil
				},
			}
			r := New(nil, tt.blobs, eng, nil, transform.PlanConfig{}, 1<<20)
			o, err := transform.Parse(tt.ops)
			require.NoError(t, err)
			out, err := r.Render(context.Background(), tt.asset, nil, o, "")
			require.NoError(t, err)
			require.Equal(t, tt.wantData, gotData)
			require.Equal(t, tt.wantLevel, out.Level)
			require.Equal(t, tt.wantProbe, probed)
		})
	}
}
