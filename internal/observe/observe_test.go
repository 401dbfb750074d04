package observe_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/transform"
)

func TestEffectOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ ops, want string }{
		{"-", "original"},
		{"w_300", "w"},
		{"w_300,h_200,c_fill,f_webp", "c"},
		{"f_webp", "f"},
		{"q_80", "q"},
		{"w_300,e_blur:4,f_webp", "blur"},
		{"e_grayscale,w_10", "grayscale"},
		{"e_blur_faces,e_blur:3", "blur_faces"},
		{"w_100,l_01m8vmqk0mywvzt27pstwchv53,lw_20", "l"},
		{"a_90,w_10", "a"},
		{"pg_all,w_200,f_webp", "w"},
		{"pg_2,f_png", "pg"},
	} {
		o, err := transform.Parse(tc.ops)
		require.NoError(t, err, tc.ops)
		require.Equal(t, tc.want, observe.EffectOf(o), tc.ops)
		require.True(t, observe.IsEffect(observe.EffectOf(o)))
	}
	require.Equal(t, "blur", observe.EffectOfOps([]string{"w_10", "w_20,e_blur:2"}), "the heaviest of a task's outputs")
	require.Equal(t, "other", observe.EffectOfOps([]string{"zz_1"}))
	require.Equal(t, "none", observe.EffectOfOps(nil))
}

// TestCardinalityBound feeds a thousand tenants, effects and regions and
// checks the series stay within the bounds.
func TestCardinalityBound(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := observe.New(observe.Config{Enabled: true, Region: "", MaxTenants: 5, MaxNames: 3}, reg)
	for i := range 1000 {
		tenant := fmt.Sprintf("tenant-%d", i)
		m.Observe(observe.StageUpload, fmt.Sprintf("flow-%d", i), tenant, time.Millisecond)
		m.Observe(observe.StageUpload, "w", tenant, time.Millisecond)
		m.Fail(observe.StageProcess, easel.CodeInternal, "no such effect!", tenant)
		m.Client(tenant, observe.ClientReport{Effect: "w", Region: fmt.Sprintf("r%d", i), Network: "wifi",
			Given: [easel.Measures]bool{true}, MS: [easel.Measures]float64{10}})
	}
	families, err := reg.Gather()
	require.NoError(t, err)
	values := map[string]map[string]map[string]bool{} // metric → label → values
	seriesCount := map[string]int{}
	for _, f := range families {
		values[f.GetName()] = map[string]map[string]bool{}
		for _, s := range f.GetMetric() {
			seriesCount[f.GetName()]++
			for _, l := range s.GetLabel() {
				if values[f.GetName()][l.GetName()] == nil {
					values[f.GetName()][l.GetName()] = map[string]bool{}
				}
				values[f.GetName()][l.GetName()][l.GetValue()] = true
			}
		}
	}
	stage := values[observe.StageSecondsName]
	require.Len(t, stage["tenant"], 6, "five tenants and other")
	require.True(t, stage["tenant"]["other"])
	require.Len(t, stage["effect"], 5, "w, three flow names, other")
	require.True(t, stage["effect"]["other"])
	require.Equal(t, map[string]bool{"default": true}, stage["region"], "an empty region is default")
	require.LessOrEqual(t, seriesCount[observe.StageSecondsName], 6*5)
	require.Equal(t, map[string]bool{"other": true}, values[observe.FailuresName]["effect"], "an effect outside the sets is other")
	require.Len(t, values[observe.ClientSecondsName]["region"], observe.MaxRegions+1)
}

func TestOffObservesNothing(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := observe.New(observe.Config{Enabled: false}, reg)
	m.Observe(observe.StageUpload, "w", "t", time.Second)
	require.Nil(t, m.Delivery("t", transform.Options{Width: 3}, "memory"))
	families, err := reg.Gather()
	require.NoError(t, err)
	require.Empty(t, families)
	var nilMetrics *observe.Metrics
	nilMetrics.Task(easel.Task{Kind: easel.TaskRender})
	require.False(t, nilMetrics.On())
}
