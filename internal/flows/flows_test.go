package flows

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/tasks"
)

type submitFunc func(ctx context.Context, tenantID string, req tasks.FlowRequest) (tasks.View, error)

func (f submitFunc) SubmitFlow(ctx context.Context, tenantID string, req tasks.FlowRequest) (tasks.View, error) {
	return f(ctx, tenantID, req)
}

type storeFunc func(id string) (easel.Asset, error)

func (f storeFunc) GetAsset(_ context.Context, id string) (easel.Asset, error) { return f(id) }
func (storeFunc) GetAnalysis(context.Context, string) (easel.Analysis, error) {
	return easel.Analysis{}, easel.Errorf(easel.CodeNotFound, "none")
}

func newFlows(t *testing.T, submitted *[]tasks.FlowRequest) *Flows {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "thumb.yaml"), []byte(`
name: thumb
steps:
  - id: small
    processor: image.render
    params: {ops: "w_100,f_png"}
`), 0o644))
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(rules, []byte("- name: big\n  when: \"width > 1000\"\n  flow: thumb\n"), 0o644))
	live, err := flow.NewLive(flow.LiveConfig{FlowsDir: dir, RulesFile: rules}, []processor.Processor{processor.ImageRender{}}, nil)
	require.NoError(t, err)
	sub := submitFunc(func(_ context.Context, _ string, req tasks.FlowRequest) (tasks.View, error) {
		*submitted = append(*submitted, req)
		return tasks.View{Task: easel.Task{ID: "t1", Kind: easel.TaskFlow, State: easel.TaskQueued}}, nil
	})
	store := storeFunc(func(id string) (easel.Asset, error) {
		if id != "a1" {
			return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "no")
		}
		return easel.Asset{ID: "a1", TenantID: "ten", Width: 2000, Height: 1000, Format: "jpeg"}, nil
	})
	return New(live, sub, store)
}

func TestRunValidatesBeforeSubmitting(t *testing.T) {
	tests := []struct {
		name   string
		flow   string
		params map[string]map[string]any
		code   easel.Code
	}{
		{"ok", "thumb", map[string]map[string]any{"small": {"ops": "w_50,f_webp"}}, ""},
		{"defaults", "thumb", nil, ""},
		{"bad ops", "thumb", map[string]map[string]any{"small": {"ops": "w_0"}}, easel.CodeInvalidArgument},
		{"unknown param", "thumb", map[string]map[string]any{"small": {"size": 3}}, easel.CodeInvalidArgument},
		{"unknown step", "thumb", map[string]map[string]any{"big": {}}, easel.CodeInvalidArgument},
		{"unknown flow", "nope", nil, easel.CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var submitted []tasks.FlowRequest
			f := newFlows(t, &submitted)
			_, err := f.Run(context.Background(), "ten", tc.flow, RunRequest{AssetID: "a1", Params: tc.params}, time.Second)
			if tc.code != "" {
				require.Equal(t, tc.code, easel.ErrorCode(err), "%v", err)
				require.Empty(t, submitted, "nothing is queued")
				return
			}
			require.NoError(t, err)
			require.Len(t, submitted, 1)
			require.Equal(t, easel.FlowCall{Flow: "thumb", Version: 1, Params: tc.params}, submitted[0].Call)
		})
	}
}

func TestRulesRouteAndExplain(t *testing.T) {
	var submitted []tasks.FlowRequest
	f := newFlows(t, &submitted)
	ex, err := f.Explain(context.Background(), "ten", "a1")
	require.NoError(t, err)
	require.NotNil(t, ex.Matched)
	require.Equal(t, "big", ex.Matched.Rule)
	_, err = f.Explain(context.Background(), "other", "a1")
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err), "another tenant's asset is not found")
	v, err := f.RunRules(context.Background(), "ten", "a1", "", "", 0)
	require.NoError(t, err)
	require.NotNil(t, v)
	require.Len(t, submitted, 1)
	require.Equal(t, "thumb", submitted[0].Call.Flow)
}
