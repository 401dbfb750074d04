package flow

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/flow/rules"
	"github.com/easelhq/easel/internal/flow/watch"
)

// LiveConfig says where the processor manifests, flows and rules are.
// Empty paths are left out.
type LiveConfig struct {
	ProcessorsDir string        // processors.dir, EASEL_PROCESSORS_DIR
	FlowsDir      string        // flows.dir, EASEL_FLOWS_DIR
	RulesFile     string        // rules.file, EASEL_RULES_FILE
	Poll          time.Duration // how often files are checked; default 2s
}

// Live is the processors, flows and rules of a process, reloaded together
// whenever one of their files changes: the three are loaded and validated
// against each other first, and applied only when all are good, so a
// broken file leaves the last good versions in place (Status says why).
type Live struct {
	Registry *processor.Registry
	Catalog  *Catalog
	rules    atomic.Pointer[rules.Set]
	w        *watch.Watcher[snapshot]
}

type snapshot struct {
	procs []processor.Processor
	flows []*Compiled
	rules *rules.Set
}

// NewLive loads the configuration once; an error means it is broken now
// (easel should not start with it). builtins are the built-in processors;
// sb runs the manifests' commands.
func NewLive(cfg LiveConfig, builtins []processor.Processor, sb *processor.Sandbox) (*Live, error) {
	reg, err := processor.NewRegistry(builtins...)
	if err != nil {
		return nil, err
	}
	l := &Live{Registry: reg, Catalog: &Catalog{}}
	l.rules.Store(&rules.Set{})
	var paths []string
	for _, p := range []string{cfg.ProcessorsDir, cfg.FlowsDir, cfg.RulesFile} {
		if p != "" {
			paths = append(paths, p)
		}
	}
	load := func() (snapshot, error) { return loadSnapshot(cfg, builtins, sb) }
	l.w = watch.New(paths, cfg.Poll, load, l.apply)
	if err := l.w.Load(); err != nil {
		return nil, err
	}
	return l, nil
}

func loadSnapshot(cfg LiveConfig, builtins []processor.Processor, sb *processor.Sandbox) (snapshot, error) {
	var s snapshot
	var err error
	reg, _ := processor.NewRegistry(builtins...)
	if cfg.ProcessorsDir != "" {
		if s.procs, err = processor.LoadDir(cfg.ProcessorsDir, sb); err != nil {
			return s, err
		}
		if err := reg.SetExternal(s.procs); err != nil {
			return s, err
		}
	}
	if cfg.FlowsDir != "" {
		if s.flows, err = LoadDir(cfg.FlowsDir, reg); err != nil {
			return s, err
		}
	}
	cat, err := NewCatalog(s.flows...)
	if err != nil {
		return s, err
	}
	s.rules = &rules.Set{}
	if cfg.RulesFile != "" {
		data, err := os.ReadFile(cfg.RulesFile)
		if err != nil {
			return s, fmt.Errorf("rules: %w", err)
		}
		exists := func(name string) error { _, err := cat.Get(name, 0); return err }
		if s.rules, err = rules.Parse(data, exists); err != nil {
			return s, fmt.Errorf("rules: %s: %w", cfg.RulesFile, err)
		}
	}
	return s, nil
}

func (l *Live) apply(s snapshot) {
	_ = l.Registry.SetExternal(s.procs) // checked by loadSnapshot
	_ = l.Catalog.Replace(s.flows)
	l.rules.Store(s.rules)
}

// Rules returns the rules in use.
func (l *Live) Rules() *rules.Set { return l.rules.Load() }

// Status says when the configuration in use was loaded, and why the files
// as they are now are not in use, if they are not (for /readyz and the
// API).
func (l *Live) Status() watch.Status { return l.w.Status() }

// Check reloads now if a file changed; it reports whether it did.
func (l *Live) Check() bool { return l.w.Check() }

// Start polls the files until ctx is done or Stop is called.
func (l *Live) Start(ctx context.Context) error { return l.w.Start(ctx) }

// Stop stops polling; it is idempotent.
func (l *Live) Stop() { l.w.Stop() }
