package flow_test

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/flow/rules"
)

func TestLiveReloadKeepsLastGood(t *testing.T) {
	root := t.TempDir()
	procs, flows, rulesFile := filepath.Join(root, "processors"), filepath.Join(root, "flows"), filepath.Join(root, "rules.yaml")
	require.NoError(t, os.Mkdir(procs, 0o755))
	require.NoError(t, os.Mkdir(flows, 0o755))
	age := time.Hour
	write := func(p, s string) {
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		age -= time.Minute
		mt := time.Now().Add(-age)
		require.NoError(t, os.Chtimes(p, mt, mt))
		require.NoError(t, os.Chtimes(filepath.Dir(p), mt, mt))
	}
	write(filepath.Join(procs, "copy.yaml"), "name: copy\ncommand: [cp, params.json, out.json]\ninputs: ['*/*']\noutputs: {out: application/json}\n")
	write(filepath.Join(flows, "a.yaml"), "name: a\nsteps:\n- {id: s, processor: copy}\n")
	write(rulesFile, "- {name: all, when: 'true', flow: a}\n")

	var n atomic.Int32
	sb, err := processor.NewSandbox(processor.SandboxConfig{})
	require.NoError(t, err)
	live, err := flow.NewLive(flow.LiveConfig{ProcessorsDir: procs, FlowsDir: flows, RulesFile: rulesFile},
		[]processor.Processor{appender("app", &n, nil)}, sb)
	require.NoError(t, err)
	require.Equal(t, []string{"app", "copy"}, live.Registry.Names())
	m, ok := live.Rules().Match(rules.Facts{})
	require.True(t, ok)
	require.Equal(t, "a", m.Flow)

	// A rule naming a flow that does not exist: nothing changes, the error shows.
	write(rulesFile, "- {name: all, when: 'true', flow: b}\n")
	require.False(t, live.Check())
	require.Contains(t, live.Status().Error, `rule all: flow "b": no flow "b"`)
	m, _ = live.Rules().Match(rules.Facts{})
	require.Equal(t, "a", m.Flow, "the last good rules stay")

	// Adding flow b fixes it; all three apply together.
	write(filepath.Join(flows, "b.yaml"), "name: b\nsteps:\n- {id: s, processor: app}\n")
	require.True(t, live.Check())
	require.Empty(t, live.Status().Error)
	m, _ = live.Rules().Match(rules.Facts{})
	require.Equal(t, "b", m.Flow)
	_, err = live.Catalog.Get("b", 0)
	require.NoError(t, err)

	// A broken manifest keeps the processors, flows and rules as they were.
	write(filepath.Join(procs, "copy.yaml"), "name: copy\ncommand: [cp]\nbogus: true\n")
	require.False(t, live.Check())
	require.Contains(t, live.Status().Error, "copy.yaml")
	_, ok = live.Registry.Get("copy")
	require.True(t, ok)
}
