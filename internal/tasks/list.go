package tasks

import (
	"context"

	"github.com/easelhq/easel"
)

// ListRequest asks for a page of the tenant's tasks, newest first.
type ListRequest struct {
	Filter easel.TaskFilter
	Cursor string
	Limit  int // 1..1000; 0: 50
}

// ListResult is one page: NextCursor is empty on the last.
type ListResult struct {
	Items      []View `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// List returns a page of the tenant's tasks matching the filter, newest
// first, each as GET /v1/tasks/{id} shows it but without the callback log.
func (s *Tasks) List(ctx context.Context, tenantID string, req ListRequest) (ListResult, error) {
	lister, ok := s.tasks.(easel.TaskLister)
	if !ok {
		return ListResult{}, easel.Errorf(easel.CodeInternal, "tasks: the task store cannot list")
	}
	if req.Limit < 0 || req.Limit > 1000 {
		return ListResult{}, easel.Errorf(easel.CodeInvalidArgument, "limit must be an integer 1..1000")
	}
	list, next, err := lister.ListTenantTasks(ctx, tenantID, req.Filter, easel.ListPage{Cursor: req.Cursor, Limit: req.Limit})
	if err != nil {
		return ListResult{}, err
	}
	res := ListResult{Items: make([]View, 0, len(list)), NextCursor: next}
	for _, t := range list {
		res.Items = append(res.Items, s.CallbackPayload(ctx, t))
	}
	return res, nil
}
