package flows

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/tasks"
)

// node is one process's flows use case over a shared metadata store.
func node(t *testing.T, store *sqlite.Store, flowsDir, rulesFile string) (*Flows, *[]tasks.FlowRequest) {
	t.Helper()
	live, err := flow.NewLive(flow.LiveConfig{FlowsDir: flowsDir, RulesFile: rulesFile}, []processor.Processor{processor.ImageRender{}}, nil)
	require.NoError(t, err)
	var submitted []tasks.FlowRequest
	sub := submitFunc(func(_ context.Context, _ string, req tasks.FlowRequest) (tasks.View, error) {
		submitted = append(submitted, req)
		return tasks.View{Task: easel.Task{ID: "t1", Kind: easel.TaskFlow, State: easel.TaskQueued}}, nil
	})
	f := New(live, sub, store)
	require.NotNil(t, f.defs, "the SQLite store keeps flows")
	return f, &submitted
}

const apiFlow = `name: api-thumb
description: made over the API
steps:
  - id: small
    processor: image.render
    params: {ops: "w_100,f_png"}
`

func TestFlowsOverTheAPIOnTwoNodes(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "meta.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "thumb.yaml"), []byte("name: thumb\nsteps:\n  - id: s\n    processor: image.render\n    params: {ops: \"w_10,f_png\"}\n"), 0o644))
	a, _ := node(t, store, dir, "")
	b, submittedB := node(t, store, dir, "")

	d1, err := a.Put(ctx, "ten", "api-thumb", []byte(apiFlow))
	require.NoError(t, err)
	require.Equal(t, 1, d1.Version)
	require.Equal(t, flow.SourceAPI, d1.Origin.Source)
	require.Equal(t, apiFlow, d1.Origin.YAML)
	require.Equal(t, []string{"small"}, d1.Order)
	d2, err := a.Put(ctx, "ten", "api-thumb", []byte(strings.Replace(apiFlow, "w_100", "w_200", 1)))
	require.NoError(t, err)
	require.Equal(t, 2, d2.Version, "each PUT is a new version")

	// The other node runs it before its poll came round: the catalog's
	// miss loads it.
	_, err = b.Run(ctx, "ten", "api-thumb", RunRequest{AssetID: "a1"}, 0)
	require.NoError(t, err)
	require.Equal(t, easel.FlowCall{Flow: "api-thumb", Version: 2}, (*submittedB)[0].Call, "the task records the version it runs")
	list := b.List()
	require.Len(t, list, 3)
	require.Equal(t, Summary{Name: "api-thumb", Version: 1, Description: "made over the API", Steps: 1, Source: "api", CreatedAt: list[0].CreatedAt}, list[0])
	require.Equal(t, "file", list[2].Source)
	require.Equal(t, "thumb.yaml", list[2].File)

	// A file's name is the file's.
	_, err = a.Put(ctx, "ten", "thumb", []byte(apiFlow))
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
	require.Contains(t, easel.ErrorMessage(err), "defined by a file")
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(a.Delete(ctx, "thumb")))

	// Invalid definitions name the line; nothing is stored.
	for _, tc := range []struct{ yaml, want string }{
		{"name: api-thumb\nsteps:\n  - id: a\n    processor: image.rendr\n", "line 4: flow api-thumb: step a: unknown processor"},
		{"name: api-thumb\nsteps:\n  - id: a\n    processor: image.render\n    params:\n      ops: w_0\n", "line 6: "},
		{"name: api-thumb\nsteps:\n  - id: a\n    processor: image.render\n    params: {ops: w_9}\n    input: b\n  - id: b\n    processor: image.render\n    params: {ops: w_9}\n    input: a\n", "cycle"},
		{"name: other\nsteps:\n  - id: a\n    processor: image.render\n    params: {ops: w_9}\n", "is not \"api-thumb\", the name in the URL"},
		{"name: api-thumb\nstep: []\n", "line 2: "},
		{"name: api-thumb\nversion: 7\nsteps:\n  - id: a\n    processor: image.render\n    params: {ops: w_9}\n", "not the next one (3)"},
	} {
		_, err := a.Put(ctx, "ten", "api-thumb", []byte(tc.yaml))
		require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "%s: %v", tc.yaml, err)
		require.Contains(t, easel.ErrorMessage(err), tc.want)
	}
	d3, err := a.Put(ctx, "ten", "api-thumb", []byte("version: 3\n"+apiFlow))
	require.NoError(t, err, "the next version, named")
	require.Equal(t, 3, d3.Version)

	// Delete: gone on both nodes once B polls.
	require.NoError(t, a.Delete(ctx, "api-thumb"))
	_, err = a.Get("api-thumb", 0)
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err))
	changed, err := b.Refresh(ctx)
	require.NoError(t, err)
	require.True(t, changed)
	_, err = b.Get("api-thumb", 2)
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err))
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(a.Delete(ctx, "api-thumb")))
}

func TestAPIFlowShadowedByAFileAndRules(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "meta.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	dir := t.TempDir()
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(rulesFile, nil, 0o644))
	a, _ := node(t, store, dir, rulesFile)
	_, err = a.Put(ctx, "ten", "api-thumb", []byte(apiFlow))
	require.NoError(t, err)

	// Rules may pick an API flow; a draft is checked as a reload would.
	good := "- name: big\n  when: \"width > 1000\"\n  flow: api-thumb\n"
	rs, err := a.ValidateRules([]byte(good))
	require.NoError(t, err)
	require.Equal(t, "api-thumb", rs[0].Flow)
	_, err = a.ValidateRules([]byte(good + "- name: bad\n  when: \"width >\"\n  flow: api-thumb\n"))
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
	require.Contains(t, easel.ErrorMessage(err), "line 5: rule bad: when:")
	_, err = a.ValidateRules([]byte(good + "- name: gone\n  when: \"true\"\n  flow: nope\n"))
	require.Contains(t, easel.ErrorMessage(err), "line 6: rule gone: flow \"nope\"")
	ex, err := a.ExplainDraft(ctx, "ten", "a1", []byte(good))
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err), "%v", ex) // no asset a1 in this store

	require.NoError(t, os.WriteFile(rulesFile, []byte(good), 0o644))
	future := time.Now().Add(2 * time.Second)
	require.NoError(t, os.Chtimes(rulesFile, future, future))
	require.Eventually(t, func() bool { a.live.Check(); return a.Rules().YAML == good }, 10*time.Second, 100*time.Millisecond)
	require.Equal(t, "api-thumb", a.Rules().Rules[0].Flow)
	err = a.Delete(ctx, "api-thumb")
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "a rule picks it")

	// A file defining the name takes it over; the API flow waits, said why.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.yaml"), []byte("name: api-thumb\nsteps:\n  - id: s\n    processor: image.render\n    params: {ops: \"w_10,f_png\"}\n"), 0o644))
	require.NoError(t, os.Chtimes(filepath.Join(dir, "t.yaml"), future, future))
	require.NoError(t, os.Chtimes(dir, future.Add(time.Second), future.Add(time.Second)))
	require.Eventually(t, func() bool { a.live.Check(); return a.live.FileFlow("api-thumb") }, 10*time.Second, 100*time.Millisecond)
	d, err := a.Get("api-thumb", 0)
	require.NoError(t, err)
	require.Equal(t, flow.SourceFile, d.Origin.Source)
	require.Contains(t, a.APIErrors()["api-thumb@1"], "a file of flows.dir defines api-thumb")
}
