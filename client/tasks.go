package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/easelhq/easel"
)

// Task is a task as the API shows it.
type Task struct {
	easel.Task
	// Outputs carry the signed delivery path of each output.
	Outputs []Output `json:"outputs,omitempty"`
}

// Output is one rendered output of a task.
type Output struct {
	easel.TaskOutput
	// URL is the signed delivery path, served from storage.
	URL string `json:"url"`
}

// GetTask returns the task (GET /v1/tasks/{id}).
func (c *Client) GetTask(ctx context.Context, id string) (Task, error) {
	var t Task
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/tasks/"+url.PathEscape(id), nil, &t)
	return t, err
}

// WaitTask polls the task, with a growing interval (100ms up to 2s), until
// it is final (succeeded or dead) or ctx ends. A dead task is returned
// without error: its Error says why. onChange, when set, is called whenever
// the state or attempt changes.
func (c *Client) WaitTask(ctx context.Context, id string, onChange func(Task)) (Task, error) {
	interval := 100 * time.Millisecond
	var last Task
	for {
		t, err := c.GetTask(ctx, id)
		if err != nil {
			return last, err
		}
		if onChange != nil && (t.State != last.State || t.Attempts != last.Attempts) {
			onChange(t)
		}
		last = t
		if t.State.Final() {
			return t, nil
		}
		if err := sleepCtx(ctx, interval); err != nil {
			return t, fmt.Errorf("client: waiting for task %s (state %s): %w", id, t.State, err)
		}
		interval = min(interval*3/2, 2*time.Second)
	}
}

// TaskRequest asks for operations on a stored asset.
type TaskRequest struct {
	AssetID     string   `json:"asset_id"`
	Ops         []string `json:"ops"`
	CallbackURL string   `json:"callback_url,omitempty"`
	Region      string   `json:"region,omitempty"`
}

// Batch is a batch of tasks and the count of its tasks in each state.
type Batch struct {
	easel.Batch
	Counts map[easel.TaskState]int `json:"counts"`
	// Done is true when every task is final.
	Done bool `json:"done"`
}

// BatchResult is a submitted batch and its tasks, in the order of the items.
type BatchResult struct {
	Batch   Batch    `json:"batch"`
	TaskIDs []string `json:"task_ids"`
}

// SubmitBatch submits up to 1000 task requests at once (POST /v1/batches).
// callbackURL is the default for items without one. A bad item refuses the
// whole batch; the error names it.
func (c *Client) SubmitBatch(ctx context.Context, items []TaskRequest, callbackURL string) (BatchResult, error) {
	var res BatchResult
	in := struct {
		Items       []TaskRequest `json:"items"`
		CallbackURL string        `json:"callback_url,omitempty"`
	}{items, callbackURL}
	_, err := c.doJSON(ctx, http.MethodPost, "/v1/batches", in, &res)
	return res, err
}

// GetBatch returns the batch and its counts (GET /v1/batches/{id}).
func (c *Client) GetBatch(ctx context.Context, id string) (Batch, error) {
	var b Batch
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/batches/"+url.PathEscape(id), nil, &b)
	return b, err
}

// SubmitTask runs operations on a stored asset (POST /v1/assets/{id}/tasks),
// waiting up to wait for the task to be final.
func (c *Client) SubmitTask(ctx context.Context, req TaskRequest, wait time.Duration) (Task, error) {
	var v struct {
		Task Task `json:"task"`
	}
	path := "/v1/assets/" + url.PathEscape(req.AssetID) + "/tasks"
	if wait > 0 {
		path += "?wait=" + url.QueryEscape(wait.String())
	}
	_, err := c.doJSON(ctx, http.MethodPost, path, req, &v)
	return v.Task, err
}
