// Package flows is the use case of the flows API: running a flow on an
// asset (parameters validated before anything is queued), listing the
// flows, and explaining which rule an asset matches. The flows, processors
// and rules themselves live in internal/flow (a flow.Live); the tasks
// they become are internal/tasks'.
package flows

import (
	"context"
	"fmt"
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
}

var _ Submitter = (*tasks.Tasks)(nil)

// New returns the use case over live's flows, processors and rules.
func New(live *flow.Live, t Submitter, store Store) *Flows {
	return &Flows{live: live, tasks: t, store: store}
}

// RunRequest asks for a flow run.
type RunRequest struct {
	AssetID string `json:"asset_id"`
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
	if req.AssetID == "" {
		return tasks.View{}, easel.Errorf(easel.CodeInvalidArgument, "asset_id is required")
	}
	c, err := f.live.Catalog.Get(name, req.Version)
	if err != nil {
		return tasks.View{}, err
	}
	if _, err := c.WithParams(f.live.Registry, req.Params); err != nil {
		return tasks.View{}, err
	}
	return f.tasks.SubmitFlow(ctx, tenantID, tasks.FlowRequest{
		AssetID: req.AssetID, Call: easel.FlowCall{Flow: c.Name(), Version: c.Version(), Params: req.Params},
		CallbackURL: req.CallbackURL, Region: req.Region, Wait: wait, TaskID: req.TaskID,
	})
}

// Summary is a flow as listed.
type Summary struct {
	Name        string `json:"name"`
	Version     int    `json:"version"`
	Description string `json:"description,omitempty"`
	Steps       int    `json:"steps"`
}

// List returns every flow version, by name then version.
func (f *Flows) List() []Summary {
	out := []Summary{}
	for _, c := range f.live.Catalog.List() {
		out = append(out, Summary{Name: c.Name(), Version: c.Version(), Description: c.Flow.Description, Steps: len(c.Flow.Steps)})
	}
	return out
}

// Get returns the definition of a flow (version 0: the newest).
func (f *Flows) Get(name string, version int) (flow.Flow, error) {
	c, err := f.live.Catalog.Get(name, version)
	if err != nil {
		return flow.Flow{}, err
	}
	return c.Flow, nil
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
