package tasks

import (
	"context"
	"time"

	"github.com/easelhq/easel"
)

// FlowRequest asks for a flow run on one asset, or on a source image
// (Source instead of AssetID). The caller (the flows use case) has checked
// the flow exists and its parameters validate.
type FlowRequest struct {
	AssetID     string
	Source      *easel.TaskSource
	Call        easel.FlowCall
	CallbackURL string
	Region      string
	// Wait holds the answer until the task is final or Wait has passed.
	Wait time.Duration
	// TaskID, when set, is the task's ID; empty: a new ID.
	TaskID string
}

// SubmitFlow creates a flow task, publishes it and waits as Submit does.
func (s *Tasks) SubmitFlow(ctx context.Context, tenantID string, req FlowRequest) (View, error) {
	if req.Wait < 0 || req.Wait > MaxWait {
		return View{}, easel.Errorf(easel.CodeInvalidArgument, "wait must be a duration up to %s, such as 10s", MaxWait)
	}
	if req.Region != "" && !regionPattern.MatchString(req.Region) {
		return View{}, easel.Errorf(easel.CodeInvalidArgument, "region %q: want 1..32 of a-z, 0-9 and -", req.Region)
	}
	if req.CallbackURL != "" {
		if err := s.cfg.CheckCallbackURL(req.CallbackURL); err != nil {
			return View{}, err
		}
	}
	var assetRegion string // a source image has no asset, nor region, yet
	if req.Source != nil {
		if err := s.checkSource(ctx, tenantID, *req.Source); err != nil {
			return View{}, err
		}
	} else {
		a, err := s.meta.GetAsset(ctx, req.AssetID)
		if easel.IsNotFound(err) || err == nil && a.TenantID != tenantID {
			return View{}, easel.Errorf(easel.CodeNotFound, "asset %q not found", req.AssetID)
		}
		if err != nil {
			return View{}, err
		}
		assetRegion = a.Region
	}
	ops, err := easel.FlowTaskOps(req.Call)
	if err != nil {
		return View{}, err
	}
	region, err := s.taskRegion(req.Region, req.AssetID, assetRegion)
	if err != nil {
		return View{}, err
	}
	now := time.Now().UTC()
	id := req.TaskID
	if id == "" {
		id = easel.NewID()
	}
	t := easel.Task{ID: id, TenantID: tenantID, AssetID: req.AssetID, Source: req.Source, Kind: easel.TaskFlow, Ops: ops,
		State: easel.TaskAccepted, CallbackURL: req.CallbackURL, Region: region, CreatedAt: now, UpdatedAt: now}
	if err := s.tasks.CreateTasks(ctx, nil, []easel.Task{t}); err != nil {
		return View{}, err
	}
	s.publish(ctx, &t)
	if req.Wait > 0 && !t.State.Final() {
		if t, err = s.wait(ctx, tenantID, t.ID, req.Wait); err != nil {
			return View{}, err
		}
	}
	return s.View(ctx, t), nil
}

// Update is one message of Follow: the task when its state changed, or a
// progress event.
type Update struct {
	Task     *View        `json:"task,omitempty"`
	Progress *easel.Event `json:"progress,omitempty"`
}

// Follow calls send with the tenant's task now, then with every change of
// its state and every progress event, until the task is final, ctx is done
// or send fails. It listens to the events stream and polls the store every
// 250ms (events may be lost on a reconnect).
func (s *Tasks) Follow(ctx context.Context, tenantID, id string, send func(Update) error) error {
	t, err := s.get(ctx, tenantID, id)
	if err != nil {
		return err
	}
	events, unsubscribe, err := s.queue.SubscribeEvents(ctx, tenantID, id)
	if err != nil {
		s.log.Debug("follow without events; polling", "task", id, "err", err)
		events = nil
	} else {
		defer unsubscribe()
	}
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	var last easel.Task
	for first := true; ; first = false {
		if first || t.State != last.State || t.Attempts != last.Attempts || t.UpdatedAt != last.UpdatedAt {
			v := s.View(ctx, t)
			if err := send(Update{Task: &v}); err != nil {
				return err
			}
			last = t
		}
		if t.State.Final() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if e.Type == easel.EventProgress {
				if err := send(Update{Progress: &e}); err != nil {
					return err
				}
				continue
			}
		case <-poll.C:
		}
		if t, err = s.get(ctx, tenantID, id); err != nil {
			return err
		}
	}
}
