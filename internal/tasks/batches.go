package tasks

import (
	"context"

	"github.com/easelhq/easel"
)

// Batches submits and reads batches of tasks.
type Batches struct {
	tasks *Tasks
}

// NewBatches returns the batches use case over tasks.
func NewBatches(tasks *Tasks) *Batches { return &Batches{tasks: tasks} }

// BatchRequest asks for many tasks at once.
type BatchRequest struct {
	Items []Request `json:"items"`
	// CallbackURL is the default of the items without one.
	CallbackURL string `json:"callback_url,omitempty"`
}

// BatchView is a batch with its task counts by state.
type BatchView struct {
	easel.Batch
	Counts map[easel.TaskState]int `json:"counts"`
	Done   bool                    `json:"done"`
}

// BatchResult is a submitted batch and the IDs of its tasks, in item order.
type BatchResult struct {
	Batch   BatchView `json:"batch"`
	TaskIDs []string  `json:"task_ids"`
}

// Submit validates every item, then creates all the tasks in one
// transaction and publishes them. An invalid item refuses the whole batch.
func (s *Batches) Submit(ctx context.Context, tenantID string, req BatchRequest) (BatchResult, error) {
	t := s.tasks
	if len(req.Items) == 0 {
		return BatchResult{}, easel.Errorf(easel.CodeInvalidArgument, "items: nothing to do")
	}
	if len(req.Items) > t.cfg.MaxBatch {
		return BatchResult{}, easel.Errorf(easel.CodeInvalidArgument, "items: at most %d per batch", t.cfg.MaxBatch)
	}
	specs := make([]Spec, len(req.Items))
	targets := make([]target, len(req.Items))
	for i, item := range req.Items {
		if item.CallbackURL == "" {
			item.CallbackURL = req.CallbackURL
		}
		spec, err := t.Validate(item)
		if err != nil {
			return BatchResult{}, prefixItem(true, i, err)
		}
		src, err := item.Target()
		if err != nil {
			return BatchResult{}, prefixItem(true, i, err)
		}
		specs[i], targets[i] = spec, target{assetID: item.AssetID, source: src}
	}
	b, tasks, err := t.create(ctx, tenantID, targets, specs, true)
	if err != nil {
		return BatchResult{}, err
	}
	res := BatchResult{Batch: BatchView{Batch: *b, Counts: map[easel.TaskState]int{}}, TaskIDs: make([]string, len(tasks))}
	for i, task := range tasks {
		res.TaskIDs[i] = task.ID
		res.Batch.Counts[task.State]++
	}
	return res, nil
}

// Get returns a batch of the tenant with its task counts by state.
func (s *Batches) Get(ctx context.Context, tenantID, id string) (BatchView, error) {
	b, err := s.tasks.tasks.GetBatch(ctx, id)
	if easel.IsNotFound(err) || err == nil && b.TenantID != tenantID {
		return BatchView{}, easel.Errorf(easel.CodeNotFound, "batch %q not found", id)
	}
	if err != nil {
		return BatchView{}, err
	}
	counts, err := s.tasks.tasks.BatchCounts(ctx, id)
	if err != nil {
		return BatchView{}, err
	}
	final := counts[easel.TaskSucceeded] + counts[easel.TaskDead]
	return BatchView{Batch: b, Counts: counts, Done: final == b.Total}, nil
}
