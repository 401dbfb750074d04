package easel

import (
	"context"
	"time"
)

// FlowDefinition is one version of a flow defined over the API (PUT
// /v1/flows/{name}): its YAML as sent, stored in the metadata database so
// that every node loads it. Versions of a name count up from 1 and are
// never reused, even after the flow is deleted.
type FlowDefinition struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	YAML    string `json:"yaml"`
	// CreatedBy is the tenant whose API key stored this version.
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// FlowStore keeps the flows defined over the API. Every implementation
// passes internal/meta/metatest's RunFlows.
type FlowStore interface {
	// PutFlow stores d as the next version of its name and returns it
	// with its version. d.Version 0 takes the next one; any other value
	// must be the next one (optimistic concurrency), else
	// CodeInvalidArgument.
	PutFlow(ctx context.Context, d FlowDefinition) (FlowDefinition, error)
	// ListFlowDefinitions returns every version of every flow not deleted,
	// by name then version.
	ListFlowDefinitions(ctx context.Context) ([]FlowDefinition, error)
	// DeleteFlow deletes every version of the flow; CodeNotFound when it
	// has none left.
	DeleteFlow(ctx context.Context, name string, at time.Time) error
	// FlowsVersion changes whenever a flow version is stored or deleted
	// (one small query, polled by every node).
	FlowsVersion(ctx context.Context) (int64, error)
}

// TaskFilter narrows a tenant's task listing; empty fields match all.
type TaskFilter struct {
	State TaskState
	Kind  string
	// Flow is a flow's name ("thumbs", every version) or name@version
	// ("thumbs@3"); it implies Kind TaskFlow.
	Flow    string
	AssetID string
	BatchID string
}

// TaskLister lists a tenant's tasks, newest first.
type TaskLister interface {
	// ListTenantTasks returns a page of the tenant's tasks matching f,
	// newest first, and the cursor of the next page ("" on the last).
	ListTenantTasks(ctx context.Context, tenantID string, f TaskFilter, page ListPage) ([]Task, string, error)
}
