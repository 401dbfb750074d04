package flow

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/easelhq/easel"

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
//
// Flows defined over the API (SetAPIFlows) join the catalog beside the
// files' flows; a name defined in a file belongs to the file: an API flow
// of that name is left out (APIErrors says so) while the file defines it.
type Live struct {
	Registry *processor.Registry
	Catalog  *Catalog
	cfg      LiveConfig
	rules    atomic.Pointer[rules.Set]
	w        *watch.Watcher[snapshot]

	mu        sync.Mutex // files, api, apiErrors; the catalog's rebuild
	files     []*Compiled
	rulesYAML string
	api       []easel.FlowDefinition
	apiErrors map[string]string
}

type snapshot struct {
	procs     []processor.Processor
	flows     []*Compiled
	rules     *rules.Set
	rulesYAML string
}

// NewLive loads the configuration once; an error means it is broken now
// (easel should not start with it). builtins are the built-in processors;
// sb runs the manifests' commands.
func NewLive(cfg LiveConfig, builtins []processor.Processor, sb *processor.Sandbox) (*Live, error) {
	reg, err := processor.NewRegistry(builtins...)
	if err != nil {
		return nil, err
	}
	l := &Live{Registry: reg, Catalog: &Catalog{}, cfg: cfg}
	l.rules.Store(&rules.Set{})
	var paths []string
	for _, p := range []string{cfg.ProcessorsDir, cfg.FlowsDir, cfg.RulesFile} {
		if p != "" {
			paths = append(paths, p)
		}
	}
	load := func() (snapshot, error) { return loadSnapshot(cfg, builtins, sb, l.hasAPIFlow) }
	l.w = watch.New(paths, cfg.Poll, load, l.apply)
	if err := l.w.Load(); err != nil {
		return nil, err
	}
	return l, nil
}

func loadSnapshot(cfg LiveConfig, builtins []processor.Processor, sb *processor.Sandbox, apiFlow func(string) bool) (snapshot, error) {
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
		exists := func(name string) error {
			if _, err := cat.Get(name, 0); err != nil && !apiFlow(name) {
				return err
			}
			return nil
		}
		if s.rules, err = rules.Parse(data, exists); err != nil {
			return s, fmt.Errorf("rules: %s: %w", cfg.RulesFile, err)
		}
		s.rulesYAML = string(data)
	}
	return s, nil
}

func (l *Live) apply(s snapshot) {
	_ = l.Registry.SetExternal(s.procs) // checked by loadSnapshot
	l.mu.Lock()
	defer l.mu.Unlock()
	l.files, l.rulesYAML = s.flows, s.rulesYAML
	l.rebuild()
	l.rules.Store(s.rules)
}

// SetAPIFlows replaces the flows defined over the API: every version not
// deleted. Each is compiled against the processors in use; one that does
// not compile (a processor removed since), or whose name a file defines, is
// left out, and APIErrors says why.
func (l *Live) SetAPIFlows(defs []easel.FlowDefinition) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.api = defs
	l.rebuild()
}

// rebuild fills the catalog with the files' flows and the API's; l.mu is held.
func (l *Live) rebuild() {
	all := append([]*Compiled(nil), l.files...)
	fileNames := map[string]bool{}
	for _, f := range l.files {
		fileNames[f.Name()] = true
	}
	errs := map[string]string{}
	for _, d := range l.api {
		key := d.Name + "@" + strconv.Itoa(d.Version)
		if fileNames[d.Name] {
			errs[key] = "a file of flows.dir defines " + d.Name + ": the file's flow is in use"
			continue
		}
		c, _, err := ParseDefinition([]byte(d.YAML), l.Registry, d.Name, d.Version)
		if err != nil {
			errs[key] = easel.ErrorMessage(err)
			continue
		}
		c.Origin = Origin{Source: SourceAPI, YAML: d.YAML, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt}
		all = append(all, c)
	}
	l.apiErrors = errs
	_ = l.Catalog.Replace(all) // names and versions are unique per source, and the sources do not share names
}

// hasAPIFlow reports whether a flow of the name is defined over the API.
func (l *Live) hasAPIFlow(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range l.api {
		if d.Name == name {
			return true
		}
	}
	return false
}

// FileFlow reports whether a file of flows.dir defines a flow of the name.
func (l *Live) FileFlow(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.files {
		if f.Name() == name {
			return true
		}
	}
	return false
}

// APIErrors says, by "name@version", why flows defined over the API are
// not in use.
func (l *Live) APIErrors() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.apiErrors)
}

// RulesFile returns the rules file's path ("" when there is none) and the
// content of the rules in use.
func (l *Live) RulesFile() (path, content string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg.RulesFile, l.rulesYAML
}

// ParseRules checks a rules file's content as a reload would (expressions
// compile, flows exist) without applying it.
func (l *Live) ParseRules(data []byte) (*rules.Set, error) {
	return rules.Parse(data, func(name string) error {
		_, err := l.Catalog.get(name, 0)
		return err
	})
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
