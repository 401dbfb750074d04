// Package flows is the use case of the flows API: running a flow on an
// asset (parameters validated before anything is queued), listing the
// flows, and explaining which rule an asset matches. The flows, processors
// and rules themselves live in internal/flow (a flow.Live); the tasks
// they become are internal/tasks'.
package flows

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/rules"
	"github.com/easelhq/easel/internal/flow/watch"
	"github.com/easelhq/easel/internal/tasks"
)

// Submitter submits flow tasks (tasks.Tasks is one).
type Submitter interface {
	// SubmitFlow creates the task of a validated flow call and waits up to
	// req.Wait for it to finish.
	SubmitFlow(ctx context.Context, tenantID string, req tasks.FlowRequest) (tasks.View, error)
}

// Store finds assets and their analysis (the metadata store is one).
type Store interface {
	GetAsset(ctx context.Context, id string) (easel.Asset, error)
	// GetAnalysis returns CodeNotFound when the asset has none yet.
	GetAnalysis(ctx context.Context, assetID string) (easel.Analysis, error)
}

// Flows is the flows use case.
type Flows struct {
	live  *flow.Live
	tasks Submitter
	store Store
	defs  easel.FlowStore // nil: no flows over the API

	syncMu  sync.Mutex // one Refresh at a time
	version int64      // of the definitions in live
	loaded  bool
	now     func() time.Time
}

var _ Submitter = (*tasks.Tasks)(nil)

// New returns the use case over live's flows, processors and rules. When
// store is also an easel.FlowStore, flows may be defined over the API:
// they are kept there and loaded into live by Refresh (and Sync on every
// node), and a flow the catalog misses triggers a Refresh.
func New(live *flow.Live, t Submitter, store Store) *Flows {
	f := &Flows{live: live, tasks: t, store: store, now: time.Now}
	f.defs, _ = store.(easel.FlowStore)
	if f.defs != nil {
		live.Catalog.OnMiss(func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			changed, _ := f.Refresh(ctx)
			return changed
		})
	}
	return f
}

// RunRequest asks for a flow run.
type RunRequest struct {
	AssetID string `json:"asset_id,omitempty"`
	// Source and Path name a source image instead of an asset (see
	// tasks.Request).
	Source string `json:"source,omitempty"`
	Path   string `json:"path,omitempty"`
	// Version picks a version of the flow; 0: the newest.
	Version int `json:"version,omitempty"`
	// Params override step parameters, by step id.
	Params      map[string]map[string]any `json:"params,omitempty"`
	CallbackURL string                    `json:"callback_url,omitempty"`
	Region      string                    `json:"region,omitempty"`
	// TaskID, when set, is the task's ID (a stream request's); empty: new.
	TaskID string `json:"-"`
}

// Run validates the parameters against the flow's processors (an
// invalid_argument error, nothing queued, when they do not validate),
// submits the task and waits up to wait for it.
func (f *Flows) Run(ctx context.Context, tenantID, name string, req RunRequest, wait time.Duration) (tasks.View, error) {
	src, err := tasks.Request{AssetID: req.AssetID, Source: req.Source, Path: req.Path}.Target()
	if err != nil {
		return tasks.View{}, err
	}
	c, err := f.live.Catalog.Get(name, req.Version)
	if err != nil {
		return tasks.View{}, err
	}
	if _, err := c.WithParams(f.live.Registry, req.Params); err != nil {
		return tasks.View{}, err
	}
	return f.tasks.SubmitFlow(ctx, tenantID, tasks.FlowRequest{
		AssetID: req.AssetID, Source: src, Call: easel.FlowCall{Flow: c.Name(), Version: c.Version(), Params: req.Params},
		CallbackURL: req.CallbackURL, Region: req.Region, Wait: wait, TaskID: req.TaskID,
	})
}

// Summary is a flow as listed.
type Summary struct {
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	Description string    `json:"description,omitempty"`
	Steps       int       `json:"steps"`
	Source      string    `json:"source"`         // file or api
	File        string    `json:"file,omitempty"` // source file: its name in flows.dir
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// List returns every flow version, by name then version.
func (f *Flows) List() []Summary {
	out := []Summary{}
	for _, c := range f.live.Catalog.List() {
		out = append(out, Summary{Name: c.Name(), Version: c.Version(), Description: c.Flow.Description, Steps: len(c.Flow.Steps),
			Source: c.Origin.Source, File: c.Origin.File, CreatedAt: c.Origin.CreatedAt})
	}
	return out
}

// Definition is one flow version: as written (YAML) and as parsed.
type Definition struct {
	flow.Flow
	Order  []string    `json:"order"` // the steps in the order they run
	Origin flow.Origin `json:"origin"`
}

// Get returns the definition of a flow (version 0: the newest).
func (f *Flows) Get(name string, version int) (Definition, error) {
	c, err := f.live.Catalog.Get(name, version)
	if err != nil {
		return Definition{}, err
	}
	return Definition{Flow: c.Flow, Order: c.StepIDs(), Origin: c.Origin}, nil
}

// Put stores the YAML as the next version of the flow defined over the
// API, once it validates as a file's flow would (processors exist,
// parameters valid, inputs acyclic; errors name the line), and loads it at
// once on this node (Sync loads it on the others). A name a file of
// flows.dir defines is refused: the file owns it.
func (f *Flows) Put(ctx context.Context, tenantID, name string, yaml []byte) (Definition, error) {
	if f.defs == nil {
		return Definition{}, easel.Errorf(easel.CodeInvalidArgument, "this server keeps no flows over the API")
	}
	if f.live.FileFlow(name) {
		return Definition{}, easel.Errorf(easel.CodeInvalidArgument, "flow %s is defined by a file of flows.dir: edit the file", name)
	}
	if len(bytes.TrimSpace(yaml)) == 0 {
		return Definition{}, easel.Errorf(easel.CodeInvalidArgument, "empty flow definition: send the flow's YAML")
	}
	_, requested, err := flow.ParseDefinition(yaml, f.live.Registry, name, 0)
	if err != nil {
		return Definition{}, err
	}
	d, err := f.defs.PutFlow(ctx, easel.FlowDefinition{Name: name, Version: requested, YAML: string(yaml), CreatedBy: tenantID, CreatedAt: f.now()})
	if err != nil {
		return Definition{}, err
	}
	if _, err := f.Refresh(ctx); err != nil {
		return Definition{}, err
	}
	return f.Get(name, d.Version)
}

// Delete deletes every version of a flow defined over the API. Tasks that
// ran it keep their record; a retry of one fails (the flow is gone). A
// flow a rule picks cannot be deleted, nor a file's flow.
func (f *Flows) Delete(ctx context.Context, name string) error {
	if f.defs == nil {
		return easel.Errorf(easel.CodeNotFound, "no flow %q defined over the API", name)
	}
	if f.live.FileFlow(name) {
		return easel.Errorf(easel.CodeInvalidArgument, "flow %s is defined by a file of flows.dir: remove the file", name)
	}
	if rule, ok := f.live.Rules().UsesFlow(name); ok {
		return easel.Errorf(easel.CodeInvalidArgument, "rule %s picks flow %s: change the rules first", rule, name)
	}
	if err := f.defs.DeleteFlow(ctx, name, f.now()); err != nil {
		return err
	}
	_, err := f.Refresh(ctx)
	return err
}

// Refresh loads the flows defined over the API into the live catalog when
// the store's version of them changed since the last load; it reports
// whether it loaded.
func (f *Flows) Refresh(ctx context.Context) (bool, error) {
	if f.defs == nil {
		return false, nil
	}
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	v, err := f.defs.FlowsVersion(ctx)
	if err != nil {
		return false, err
	}
	if f.loaded && v == f.version {
		return false, nil
	}
	defs, err := f.defs.ListFlowDefinitions(ctx)
	if err != nil {
		return false, err
	}
	f.live.SetAPIFlows(defs)
	f.version, f.loaded = v, true
	return true, nil
}

// Sync keeps the flows defined over the API current until ctx is done,
// checking the store's version every interval (one small query), as the
// signing keys are. log may be nil.
func (f *Flows) Sync(ctx context.Context, interval time.Duration, log *slog.Logger) {
	if f.defs == nil {
		return
	}
	if interval <= 0 {
		interval = 2 * time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := f.Refresh(ctx); err != nil && ctx.Err() == nil && log != nil {
			log.Warn("flows defined over the API not refreshed; keeping those loaded", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RulesView is the rules in use: the file's content as loaded, parsed.
type RulesView struct {
	File   string       `json:"file"` // rules.file; "" when there is none
	YAML   string       `json:"yaml"`
	Rules  []rules.Rule `json:"rules"`
	Status watch.Status `json:"status"`
}

// Rules returns the rules in use and the state of the files (Status.Error:
// why the files as they are now did not load).
func (f *Flows) Rules() RulesView {
	path, content := f.live.RulesFile()
	return RulesView{File: path, YAML: content, Rules: f.live.Rules().Rules(), Status: f.live.Status()}
}

// ValidateRules checks a rules file's content as a reload would, without
// applying it: the parsed rules, or an invalid_argument error naming the
// line.
func (f *Flows) ValidateRules(data []byte) ([]rules.Rule, error) {
	set, err := f.live.ParseRules(data)
	if err != nil {
		return nil, err
	}
	return set.Rules(), nil
}

// ExplainDraft is Explain with the rules of draft (a rules file's
// content, validated first) instead of those in use: a dry run.
func (f *Flows) ExplainDraft(ctx context.Context, tenantID, assetID string, draft []byte) (rules.Explanation, error) {
	set, err := f.live.ParseRules(draft)
	if err != nil {
		return rules.Explanation{}, err
	}
	a, err := f.asset(ctx, tenantID, assetID)
	if err != nil {
		return rules.Explanation{}, err
	}
	return set.Explain(rules.FactsOf(a, "", nil, 0)), nil
}

// Explain says which rule the tenant's asset matches and why.
func (f *Flows) Explain(ctx context.Context, tenantID, assetID string) (rules.Explanation, error) {
	a, err := f.asset(ctx, tenantID, assetID)
	if err != nil {
		return rules.Explanation{}, err
	}
	return f.live.Rules().Explain(rules.FactsOf(a, "", nil, 0)), nil
}

// Route returns the flow the rules pick for an asset, if any.
func (f *Flows) Route(ctx context.Context, tenantID, assetID, region string) (rules.Match, bool, error) {
	a, err := f.asset(ctx, tenantID, assetID)
	if err != nil {
		return rules.Match{}, false, err
	}
	m, ok := f.live.Rules().Match(rules.FactsOf(a, region, nil, 0))
	return m, ok, nil
}

func (f *Flows) asset(ctx context.Context, tenantID, assetID string) (easel.Asset, error) {
	a, err := f.store.GetAsset(ctx, assetID)
	if easel.IsNotFound(err) || err == nil && a.TenantID != tenantID {
		return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "asset %q not found", assetID)
	}
	if err != nil {
		return easel.Asset{}, err
	}
	if a.Analysis == nil {
		an, err := f.store.GetAnalysis(ctx, a.ID)
		switch {
		case err == nil:
			a.Analysis = &an
		case !easel.IsNotFound(err):
			return easel.Asset{}, err
		}
	}
	return a, nil
}

// Status is the state of the loaded files: Error says why the last reload
// failed, when it did (the last good version stays in use).
func (f *Flows) Status() watch.Status { return f.live.Status() }

// APIErrors says, by "name@version", why flows defined over the API are
// not in use (a file defines the name; a processor they use is gone).
func (f *Flows) APIErrors() map[string]string { return f.live.APIErrors() }

// RunRules runs the flow the rules pick for a new upload (with the rule's
// parameters); nil when no rule matches.
func (f *Flows) RunRules(ctx context.Context, tenantID, assetID, region, callbackURL string, wait time.Duration) (*tasks.View, error) {
	m, ok, err := f.Route(ctx, tenantID, assetID, region)
	if err != nil || !ok {
		return nil, err
	}
	v, err := f.Run(ctx, tenantID, m.Flow, RunRequest{AssetID: assetID, Params: m.Params, CallbackURL: callbackURL, Region: region}, wait)
	if err != nil {
		return nil, fmt.Errorf("flows: rule %q: %w", m.Rule, err)
	}
	return &v, nil
}

// CheckFlow returns CodeNotFound when no flow has this name.
func (f *Flows) CheckFlow(name string) error {
	_, err := f.live.Catalog.Get(name, 0)
	return err
}

// RunFlow runs the newest version of the named flow on a new upload (an
// upload's flow field, or its upload token's).
func (f *Flows) RunFlow(ctx context.Context, tenantID, assetID, name, region, callbackURL string, wait time.Duration) (tasks.View, error) {
	return f.Run(ctx, tenantID, name, RunRequest{AssetID: assetID, CallbackURL: callbackURL, Region: region}, wait)
}
