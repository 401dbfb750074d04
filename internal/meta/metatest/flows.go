package metatest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// ConsoleStore is a backend with the flows defined over the API and the
// tenant task listing (GET /v1/flows, GET /v1/tasks).
type ConsoleStore interface {
	Store
	easel.FlowStore
	easel.TaskLister
}

// RunConsole runs the flow store and task listing part of the suite.
func RunConsole(t *testing.T, newStore func(t *testing.T) ConsoleStore) {
	t.Helper()
	runCases(t, newStore, []testCase[ConsoleStore]{
		{"FlowVersions", testFlowVersions},
		{"FlowConcurrentPuts", testFlowConcurrentPuts},
		{"ListTenantTasks", testListTenantTasks},
		{"ListTenantTasksPages", testListTenantTasksPages},
	})
}

func testFlowVersions(t *testing.T, s ConsoleStore) {
	ctx := context.Background()
	v0, err := s.FlowsVersion(ctx)
	require.NoError(t, err)
	put := func(name string, version int, yaml string) (easel.FlowDefinition, error) {
		return s.PutFlow(ctx, easel.FlowDefinition{Name: name, Version: version, YAML: yaml, CreatedBy: "t1", CreatedAt: at(version)})
	}
	a1, err := put("thumbs", 0, "name: thumbs\n")
	require.NoError(t, err)
	require.Equal(t, 1, a1.Version)
	a2, err := put("thumbs", 2, "name: thumbs # two\n")
	require.NoError(t, err, "the next version, named")
	require.Equal(t, 2, a2.Version)
	_, err = put("thumbs", 2, "name: thumbs\n")
	requireCode(t, easel.CodeInvalidArgument, err) // taken
	_, err = put("thumbs", 7, "name: thumbs\n")
	requireCode(t, easel.CodeInvalidArgument, err) // not the next
	b1, err := put("other", 0, "name: other\n")
	require.NoError(t, err)
	require.Equal(t, 1, b1.Version, "versions count per name")
	_, err = put("", 0, "x")
	requireCode(t, easel.CodeInvalidArgument, err)

	list, err := s.ListFlowDefinitions(ctx)
	require.NoError(t, err)
	require.Equal(t, []easel.FlowDefinition{b1, a1, a2}, list, "by name then version, whole")
	v1, err := s.FlowsVersion(ctx)
	require.NoError(t, err)
	require.NotEqual(t, v0, v1)

	require.NoError(t, s.DeleteFlow(ctx, "thumbs", at(10)))
	requireCode(t, easel.CodeNotFound, s.DeleteFlow(ctx, "thumbs", at(11)))
	requireCode(t, easel.CodeNotFound, s.DeleteFlow(ctx, "never", at(11)))
	v2, err := s.FlowsVersion(ctx)
	require.NoError(t, err)
	require.NotEqual(t, v1, v2, "a delete changes the version")
	list, err = s.ListFlowDefinitions(ctx)
	require.NoError(t, err)
	require.Equal(t, []easel.FlowDefinition{b1}, list)

	// A name defined again after a delete goes on counting.
	a3, err := put("thumbs", 0, "name: thumbs # again\n")
	require.NoError(t, err)
	require.Equal(t, 3, a3.Version)
	list, err = s.ListFlowDefinitions(ctx)
	require.NoError(t, err)
	require.Equal(t, []easel.FlowDefinition{b1, a3}, list)
}

func testFlowConcurrentPuts(t *testing.T, s ConsoleStore) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	versions := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := s.PutFlow(ctx, easel.FlowDefinition{Name: "race", YAML: fmt.Sprintf("# %d\n", i), CreatedBy: "t", CreatedAt: at(i + 1)})
			versions[i], errs[i] = d.Version, err
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for i := range n {
		require.NoError(t, errs[i])
		require.False(t, seen[versions[i]], "version %d given twice", versions[i])
		seen[versions[i]] = true
	}
	for v := 1; v <= n; v++ {
		require.True(t, seen[v], "versions 1..%d: %v", n, versions)
	}
}

func testListTenantTasks(t *testing.T, s ConsoleStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")
	asset := easel.NewID()
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 1, CreatedAt: base}
	mk := func(tenant string, mod func(*easel.Task)) easel.Task {
		tk := newTask(tenant)
		if mod != nil {
			mod(&tk)
		}
		return tk
	}
	r1 := mk(acme.ID, nil)
	r2 := mk(acme.ID, func(tk *easel.Task) { tk.AssetID = asset })
	f1 := mk(acme.ID, func(tk *easel.Task) { tk.Kind, tk.Ops = easel.TaskFlow, []string{"thumbs@1", "null"} })
	f2 := mk(acme.ID, func(tk *easel.Task) {
		tk.Kind, tk.Ops, tk.AssetID = easel.TaskFlow, []string{"thumbs@2", `{"a":{"w":1}}`}, asset
	})
	f3 := mk(acme.ID, func(tk *easel.Task) { tk.Kind, tk.Ops = easel.TaskFlow, []string{"thumbs_x@1", "null"} })
	bt := mk(acme.ID, func(tk *easel.Task) { tk.BatchID = b.ID })
	o1 := mk(other.ID, func(tk *easel.Task) { tk.AssetID = asset })
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{r1, r2, f1, f2, f3}))
	require.NoError(t, s.CreateTasks(ctx, &b, []easel.Task{bt}))
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{o1}))
	setState(t, s, &r2, easel.TaskSucceeded)
	setState(t, s, &f2, easel.TaskDead)

	ids := func(f easel.TaskFilter) []string {
		t.Helper()
		list, next, err := s.ListTenantTasks(ctx, acme.ID, f, easel.ListPage{})
		require.NoError(t, err)
		require.Empty(t, next)
		out := []string{}
		for _, tk := range list {
			out = append(out, tk.ID)
		}
		return out
	}
	// IDs grow with time (in random order within a millisecond): newest
	// first is descending ID.
	require.Equal(t, desc(bt.ID, f3.ID, f2.ID, f1.ID, r2.ID, r1.ID), ids(easel.TaskFilter{}), "the tenant's only, newest first")
	require.Equal(t, []string{r2.ID}, ids(easel.TaskFilter{State: easel.TaskSucceeded}))
	require.Equal(t, []string{f2.ID}, ids(easel.TaskFilter{State: easel.TaskDead, Kind: easel.TaskFlow}))
	require.Equal(t, desc(f3.ID, f2.ID, f1.ID), ids(easel.TaskFilter{Kind: easel.TaskFlow}))
	require.Equal(t, desc(f2.ID, f1.ID), ids(easel.TaskFilter{Flow: "thumbs"}), "every version, not thumbs_x")
	require.Equal(t, []string{f1.ID}, ids(easel.TaskFilter{Flow: "thumbs@1"}))
	require.Equal(t, []string{f3.ID}, ids(easel.TaskFilter{Flow: "thumbs_x"}), "_ is no wildcard")
	require.Equal(t, desc(f2.ID, r2.ID), ids(easel.TaskFilter{AssetID: asset}))
	require.Equal(t, []string{bt.ID}, ids(easel.TaskFilter{BatchID: b.ID}))
	require.Empty(t, ids(easel.TaskFilter{AssetID: asset, State: easel.TaskQueued}))

	_, _, err := s.ListTenantTasks(ctx, acme.ID, easel.TaskFilter{State: "done"}, easel.ListPage{})
	requireCode(t, easel.CodeInvalidArgument, err)
	_, _, err = s.ListTenantTasks(ctx, acme.ID, easel.TaskFilter{Flow: "x@y"}, easel.ListPage{})
	requireCode(t, easel.CodeInvalidArgument, err)
	_, _, err = s.ListTenantTasks(ctx, acme.ID, easel.TaskFilter{Flow: "x", Kind: easel.TaskRender}, easel.ListPage{})
	requireCode(t, easel.CodeInvalidArgument, err)
	_, _, err = s.ListTenantTasks(ctx, acme.ID, easel.TaskFilter{}, easel.ListPage{Cursor: "!!"})
	requireCode(t, easel.CodeInvalidArgument, err)

	list, _, err := s.ListTenantTasks(ctx, other.ID, easel.TaskFilter{}, easel.ListPage{})
	require.NoError(t, err)
	require.Equal(t, []easel.Task{o1}, list, "whole tasks")
}

func testListTenantTasksPages(t *testing.T, s ConsoleStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	var all []easel.Task
	for range 7 {
		all = append(all, newTask(acme.ID))
	}
	require.NoError(t, s.CreateTasks(ctx, nil, all))
	var got []string
	cursor := ""
	pages := 0
	for {
		list, next, err := s.ListTenantTasks(ctx, acme.ID, easel.TaskFilter{State: easel.TaskAccepted}, easel.ListPage{Cursor: cursor, Limit: 3})
		require.NoError(t, err)
		pages++
		require.LessOrEqual(t, len(list), 3)
		for _, tk := range list {
			got = append(got, tk.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, 3, pages)
	want := []string{}
	for _, tk := range all {
		want = append(want, tk.ID)
	}
	require.Equal(t, desc(want...), got)
}

// desc sorts IDs newest first.
func desc(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}
