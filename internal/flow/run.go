package flow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

// Journal records finished steps across the attempts of one run, so that a
// retry resumes from the failed step. The worker keeps one per task backed
// by blob storage and the task row; MemJournal keeps one in memory.
type Journal interface {
	// Load returns the outputs a finished step recorded, with their files
	// available locally (fetched into dir when the journal must), and
	// whether the step had finished.
	Load(ctx context.Context, stepID, dir string) ([]processor.Output, bool, error)
	// Save records a finished step's outputs; their files stay valid until
	// the run's Result is closed, so Save copies what it keeps.
	Save(ctx context.Context, stepID string, outs []processor.Output) error
}

// StepError is the failure of a step; its easel code is its cause's.
type StepError struct {
	StepID    string
	Processor string
	Err       error
}

// Error implements error.
func (e *StepError) Error() string {
	return fmt.Sprintf("step %s (%s): %v", e.StepID, e.Processor, e.Err)
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// FailedStep returns the step a run failed at, when err is a StepError.
func FailedStep(err error) (string, bool) {
	var se *StepError
	if errors.As(err, &se) {
		return se.StepID, true
	}
	return "", false
}

// StepResult is what one step did in this attempt.
type StepResult struct {
	StepID    string             `json:"step"`
	Processor string             `json:"processor"`
	Resumed   bool               `json:"resumed"` // recorded by an earlier attempt, not run again
	Duration  time.Duration      `json:"duration_ns"`
	Outputs   []processor.Output `json:"outputs"`
}

// FlowOutput is one output the flow keeps.
type FlowOutput struct {
	Step   string           `json:"step"`
	Output processor.Output `json:"output"`
}

// Result is a finished run. Its files live under Dir until Close.
type Result struct {
	Flow    string       `json:"flow"`
	Version int          `json:"version"`
	Steps   []StepResult `json:"steps"`
	Outputs []FlowOutput `json:"outputs"`
	Dir     string       `json:"-"`
}

// Close removes the run's files.
func (r *Result) Close() error {
	if r == nil || r.Dir == "" {
		return nil
	}
	return os.RemoveAll(r.Dir)
}

// Progress is reported while a flow runs.
type Progress struct {
	Step     string  // the running step
	Index    int     // its position in the run order, 0-based
	Total    int     // steps in the flow
	Fraction float64 // of the step, 0..1
	Overall  float64 // of the flow, 0..1
}

// Runner runs compiled flows.
type Runner struct {
	Registry *processor.Registry
	// TempDir is where runs keep their files; default os.TempDir().
	TempDir string
}

// WithParams returns the flow with step parameters overridden by
// overrides[stepID], validated; errors are invalid_argument and name the step.
func (c *Compiled) WithParams(reg *processor.Registry, overrides map[string]map[string]any) (*Compiled, error) {
	if len(overrides) == 0 {
		return c, nil
	}
	f := c.Flow
	f.Steps = append([]Step(nil), f.Steps...)
	known := map[string]bool{}
	for i, s := range f.Steps {
		known[s.ID] = true
		if o, ok := overrides[s.ID]; ok {
			p := maps.Clone(s.Params)
			if p == nil {
				p = map[string]any{}
			}
			maps.Copy(p, o)
			f.Steps[i].Params = p
		}
	}
	for id := range overrides {
		if !known[id] {
			return nil, invalid(f, "params: %q is not a step", id)
		}
	}
	return Compile(f, reg)
}

// Run runs the flow on input. Steps recorded in the journal are not run
// again; each step that finishes is saved to it before the next starts.
// progress may be nil. A failure is a *StepError.
func (r *Runner) Run(ctx context.Context, c *Compiled, input processor.File, j Journal, progress func(Progress)) (*Result, error) {
	base := r.TempDir
	if base == "" {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "easel-flow-")
	if err != nil {
		return nil, fmt.Errorf("flow: run directory: %w", err)
	}
	res := &Result{Flow: c.Flow.Name, Version: c.Flow.Version, Dir: dir}
	ok := false
	defer func() {
		if !ok {
			res.Close()
		}
	}()
	if j == nil {
		j = NewMemJournal()
	}
	done := map[string][]processor.Output{}
	total := len(c.order)
	for k, i := range c.order {
		step := c.Flow.Steps[i]
		fail := func(err error) error { return &StepError{StepID: step.ID, Processor: step.Processor, Err: err} }
		if err := ctx.Err(); err != nil {
			return nil, fail(err)
		}
		sdir := filepath.Join(dir, step.ID)
		if err := os.Mkdir(sdir, 0o755); err != nil {
			return nil, fail(err)
		}
		start := time.Now()
		outs, resumed, err := j.Load(ctx, step.ID, sdir)
		if err != nil {
			return nil, fail(fmt.Errorf("loading the journal: %w", err))
		}
		if !resumed {
			in, err := stepInput(step, input, done)
			if err != nil {
				return nil, fail(err)
			}
			p, found := r.Registry.Get(step.Processor)
			if !found {
				return nil, fail(easel.Errorf(easel.CodeInvalidArgument, "processor %q is no longer registered", step.Processor))
			}
			if !p.Spec().Accepts(in.MIME) {
				return nil, fail(easel.Errorf(easel.CodeUnsupportedMedia, "%s does not accept %s", step.Processor, in.MIME))
			}
			report := func(f float64) {
				if progress != nil {
					progress(Progress{Step: step.ID, Index: k, Total: total, Fraction: f, Overall: (float64(k) + f) / float64(total)})
				}
			}
			report(0)
			outs, err = p.Run(ctx, processor.Request{Input: in, Params: c.params[i], Dir: sdir, Progress: report})
			if err != nil {
				return nil, fail(err)
			}
			if err := j.Save(ctx, step.ID, outs); err != nil {
				return nil, fail(fmt.Errorf("saving to the journal: %w", err))
			}
			report(1)
		}
		done[step.ID] = outs
		res.Steps = append(res.Steps, StepResult{StepID: step.ID, Processor: step.Processor, Resumed: resumed, Duration: time.Since(start), Outputs: outs})
	}
	for _, ref := range c.outputs {
		for _, o := range done[ref.Step] {
			if ref.Output == "" || o.Name == ref.Output {
				res.Outputs = append(res.Outputs, FlowOutput{Step: ref.Step, Output: o})
			}
		}
	}
	ok = true
	return res, nil
}

// stepInput picks the file a step reads.
func stepInput(s Step, upload processor.File, done map[string][]processor.Output) (processor.File, error) {
	if s.Input == "" {
		return upload, nil
	}
	ref := parseRef(s.Input)
	for _, o := range done[ref.Step] {
		if ref.Output == "" || o.Name == ref.Output {
			return o.File, nil
		}
	}
	return processor.File{}, easel.Errorf(easel.CodeInternal, "input %s produced no file", s.Input)
}

// MemJournal is a Journal in memory, holding copies of the files in its
// own directory; Close removes them.
type MemJournal struct {
	mu    sync.Mutex
	dir   string
	steps map[string][]processor.Output
}

var _ Journal = (*MemJournal)(nil)

// NewMemJournal returns an empty journal.
func NewMemJournal() *MemJournal { return &MemJournal{steps: map[string][]processor.Output{}} }

// Load implements Journal.
func (m *MemJournal) Load(_ context.Context, stepID, _ string) ([]processor.Output, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	outs, ok := m.steps[stepID]
	return outs, ok, nil
}

// Save implements Journal.
func (m *MemJournal) Save(_ context.Context, stepID string, outs []processor.Output) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dir == "" {
		d, err := os.MkdirTemp("", "easel-journal-")
		if err != nil {
			return err
		}
		m.dir = d
	}
	kept := make([]processor.Output, len(outs))
	for i, o := range outs {
		p := filepath.Join(m.dir, fmt.Sprintf("%s-%d-%s", stepID, i, filepath.Base(o.File.Path)))
		if err := copyFile(o.File.Path, p); err != nil {
			return err
		}
		o.File.Path = p
		kept[i] = o
	}
	m.steps[stepID] = kept
	return nil
}

// Steps lists the recorded steps.
func (m *MemJournal) Steps() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return sortedKeys(m.steps)
}

// Close removes the journal's files.
func (m *MemJournal) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dir == "" {
		return nil
	}
	return os.RemoveAll(m.dir)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
