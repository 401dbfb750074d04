package worker

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/telemetry"
)

// FlowCatalog finds a flow by name and version (0: the newest);
// flow.Catalog is the real one.
type FlowCatalog interface {
	Get(name string, version int) (*flow.Compiled, error)
}

// EventPublisher publishes progress events (easel.Queue is one).
type EventPublisher interface {
	PublishEvent(ctx context.Context, e easel.Event) error
}

// FlowProcessor processes flow tasks: it runs the task's flow with
// flow.Runner, journalling every step's outputs under tasks/<id>/ so that
// a retry resumes from the step that failed, and reports progress as
// events. Its outputs are the flow's, keyed under the task (a redelivery
// overwrites them).
type FlowProcessor struct {
	Catalog FlowCatalog
	Runner  *flow.Runner
	Journal flow.Blobs
	// Events, when not nil, receives progress events (at most one per
	// ProgressEvery, default 500ms); Progress, when not nil, records the
	// same progress on the task (GET /v1/tasks/{id} shows it).
	Events        EventPublisher
	Progress      easel.ProgressStore
	ProgressEvery time.Duration
	// ObserveStep, when not nil, is told how long each step run by this
	// attempt took (steps resumed from the journal are not).
	ObserveStep func(t easel.Task, processor string, took time.Duration)
}

var (
	_ Processor   = FlowProcessor{}
	_ FlowCatalog = (*flow.Catalog)(nil)
)

// FlowJournalPrefix is where a task's flow journal and outputs are stored.
func FlowJournalPrefix(taskID string) string { return "tasks/" + taskID + "/" }

// Process implements Processor.
func (p FlowProcessor) Process(ctx context.Context, t easel.Task, a easel.Asset, original []byte) ([]Result, error) {
	call, err := easel.ParseFlowTaskOps(t.Ops)
	if err != nil {
		return nil, err
	}
	c, err := p.Catalog.Get(call.Flow, call.Version)
	if err != nil {
		return nil, err
	}
	if c, err = c.WithParams(p.Runner.Registry, call.Params); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(p.Runner.TempDir, "easel-input-")
	if err != nil {
		return nil, fmt.Errorf("flow input: %w", err)
	}
	defer os.RemoveAll(dir)
	mime := processor.SniffBytes(original[:min(len(original), 512)])
	in := processor.File{Path: filepath.Join(dir, "input"+processor.ExtOf(mime)), MIME: mime}
	if err := os.WriteFile(in.Path, original, 0o644); err != nil {
		return nil, fmt.Errorf("flow input: %w", err)
	}
	j := flow.BlobJournal{Blobs: p.Journal, Prefix: FlowJournalPrefix(t.ID)}
	steps := newStepSpans(ctx, c)
	res, err := p.Runner.Run(WithTenant(ctx, t.TenantID), c, in, j, steps.wrap(p.progress(ctx, t)))
	steps.end(err)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	if p.ObserveStep != nil {
		for _, st := range res.Steps {
			if !st.Resumed {
				p.ObserveStep(t, st.Processor, st.Duration)
			}
		}
	}
	results := make([]Result, 0, len(res.Outputs))
	for _, fo := range res.Outputs {
		r, err := flowResult(j, fo)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// flowResult describes one flow output as a Result. The journal stored it
// when its step finished (Meta["key"]): the Result is marked Stored, so the
// worker records it without writing the bytes a second time. An output the
// journal did not store is read for the worker to store.
func flowResult(j flow.BlobJournal, fo flow.FlowOutput) (Result, error) {
	o := fo.Output
	var data []byte
	var size int64
	key, stored := o.Meta["key"].(string)
	stored = stored && key != ""
	if stored {
		fi, err := os.Stat(o.File.Path)
		if err != nil {
			return Result{}, fmt.Errorf("flow output %s.%s: %w", fo.Step, o.Name, err)
		}
		size = fi.Size()
	} else {
		var err error
		if data, err = os.ReadFile(o.File.Path); err != nil {
			return Result{}, fmt.Errorf("flow output %s.%s: %w", fo.Step, o.Name, err)
		}
		key, size = j.Key(fo.Step, o), int64(len(data))
	}
	name := fo.Step + "." + o.Name
	if o.Index > 0 {
		name += fmt.Sprintf(".%d", o.Index)
	}
	format := strings.TrimPrefix(processor.ExtOf(o.File.MIME), ".")
	if s, ok := o.Meta["format"].(string); ok && s != "" {
		format = s
	}
	return Result{Ops: name, Key: key, Data: data, Stored: stored, Bytes: size, Format: format,
		Width: metaInt(o.Meta["width"]), Height: metaInt(o.Meta["height"])}, nil
}

func metaInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(math.Round(n))
	}
	return 0
}

// progress returns the runner's progress callback: a throttled progress
// event of the task.
func (p FlowProcessor) progress(ctx context.Context, t easel.Task) func(flow.Progress) {
	if p.Events == nil && p.Progress == nil {
		return nil
	}
	every := p.ProgressEvery
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	var mu sync.Mutex
	var last time.Time
	var lastStep string
	return func(pr flow.Progress) {
		mu.Lock()
		now := time.Now()
		if pr.Step == lastStep && now.Sub(last) < every && pr.Fraction < 1 {
			mu.Unlock()
			return
		}
		last, lastStep = now, pr.Step
		mu.Unlock()
		// Progress is advisory: failures to record it are ignored.
		if p.Progress != nil {
			_, _ = p.Progress.SetTaskProgress(ctx, t.ID, pr.Overall)
		}
		if p.Events == nil {
			return
		}
		pct := int(math.Round(pr.Overall * 100))
		e := easel.Event{
			ID:   easel.EventID(t.ID, t.Generation, t.Attempts, easel.EventProgress) + fmt.Sprintf(".%s.%d", pr.Step, pct),
			Type: easel.EventProgress, TaskID: t.ID, TenantID: t.TenantID, AssetID: t.AssetID, BatchID: t.BatchID,
			Attempt: t.Attempts, At: now.UTC(), Step: pr.Step, Progress: pr.Overall,
		}
		_ = p.Events.PublishEvent(ctx, e)
	}
}

// processStage is the stage of a processing error: process:<step> for a
// flow's failing step, else process.
func processStage(err error) string {
	if step, ok := flow.FailedStep(err); ok {
		return stageProcess + ":" + step
	}
	return stageProcess
}

type tenantKey struct{}

// WithTenant returns ctx carrying the tenant of the task a flow runs for:
// built-in processors that look assets up (overlays, watermark images)
// read it with TenantOf.
func WithTenant(ctx context.Context, tenantID string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenantID)
}

// TenantOf returns the tenant WithTenant put in ctx, "" when none.
func TenantOf(ctx context.Context) string {
	s, _ := ctx.Value(tenantKey{}).(string)
	return s
}

// stepSpans makes a span "flow.step <id>" of each step the runner runs (not
// of those resumed from the journal) from its progress reports, which
// start at 0 and end at 1.
type stepSpans struct {
	ctx        context.Context
	processors map[string]string // by step ID
	mu         sync.Mutex
	step       string
	open       trace.Span
}

func newStepSpans(ctx context.Context, c *flow.Compiled) *stepSpans {
	s := &stepSpans{ctx: ctx}
	if trace.SpanFromContext(ctx).IsRecording() {
		s.processors = make(map[string]string, len(c.Flow.Steps))
		for _, st := range c.Flow.Steps {
			s.processors[st.ID] = st.Processor
		}
	}
	return s
}

// wrap returns next preceded by the span bookkeeping; next itself when
// tracing is off.
func (s *stepSpans) wrap(next func(flow.Progress)) func(flow.Progress) {
	if s.processors == nil {
		return next
	}
	return func(pr flow.Progress) {
		s.mu.Lock()
		if pr.Step != s.step {
			s.endLocked(nil)
			s.step = pr.Step
			_, s.open = telemetry.Start(s.ctx, "flow.step "+pr.Step, trace.WithAttributes(
				attribute.String("easel.flow.step", pr.Step), attribute.String("easel.processor", s.processors[pr.Step]),
				attribute.Int("easel.flow.step_index", pr.Index)))
		}
		if pr.Fraction >= 1 {
			s.endLocked(nil)
		}
		s.mu.Unlock()
		if next != nil {
			next(pr)
		}
	}
}

// end ends the span of a step that did not finish, failed with err.
func (s *stepSpans) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(err)
}

func (s *stepSpans) endLocked(err error) {
	if s.open == nil {
		return
	}
	telemetry.Fail(s.open, err)
	s.open.End()
	s.open = nil
}
