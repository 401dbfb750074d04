package tasks

import (
	"context"

	"github.com/easelhq/easel"
)

// View is a task as the API shows it and callbacks send it: outputs with
// their delivery URLs, and (in the API) the callback delivery log.
type View struct {
	easel.Task
	Outputs   []OutputView             `json:"outputs,omitempty"`
	Callbacks []easel.CallbackDelivery `json:"callbacks,omitempty"`
}

// OutputView is a task output with the signed delivery path that serves it.
type OutputView struct {
	easel.TaskOutput
	URL string `json:"url"`
}

// View returns the API view of t, with its callback delivery log.
func (s *Tasks) View(ctx context.Context, t easel.Task) View {
	v := s.CallbackPayload(ctx, t)
	if t.CallbackURL != "" {
		var err error
		if v.Callbacks, err = s.tasks.ListCallbackDeliveries(ctx, t.ID); err != nil {
			s.log.Debug("callback log not read", "task", t.ID, "err", err)
		}
	}
	return v
}

// CallbackPayload returns the view of t a callback sends: the API view
// without the callback log.
func (s *Tasks) CallbackPayload(ctx context.Context, t easel.Task) View {
	v := View{Task: t}
	if t.State == easel.TaskSucceeded {
		v.Progress = 1
	}
	for _, o := range t.Outputs {
		if t.Kind == easel.TaskFlow { // stored under the task, not a delivery variant
			v.Outputs = append(v.Outputs, OutputView{TaskOutput: o})
			continue
		}
		url, err := s.signer.SignPath(ctx, t.TenantID, o.Ops, t.AssetID, "")
		if err != nil {
			url = ""
		}
		v.Outputs = append(v.Outputs, OutputView{TaskOutput: o, URL: url})
	}
	return v
}
