package flow

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

// Catalog holds flows by name and version. It is safe for concurrent use;
// Replace swaps its whole content (a reload).
type Catalog struct {
	mu    sync.RWMutex
	flows map[string]map[int]*Compiled
	// miss, when set, is called when Get finds nothing; when it reports
	// that it loaded something new, Get looks again (a flow defined over
	// the API on another node a moment ago).
	miss func() bool
}

// OnMiss sets what Get calls when it finds nothing (Live sets it).
func (c *Catalog) OnMiss(f func() bool) {
	c.mu.Lock()
	c.miss = f
	c.mu.Unlock()
}

// NewCatalog returns a catalog of the flows; a name and version may come
// once.
func NewCatalog(flows ...*Compiled) (*Catalog, error) {
	c := &Catalog{}
	if err := c.Replace(flows); err != nil {
		return nil, err
	}
	return c, nil
}

// Replace swaps the catalog's flows.
func (c *Catalog) Replace(flows []*Compiled) error {
	m := map[string]map[int]*Compiled{}
	for _, f := range flows {
		if m[f.Name()] == nil {
			m[f.Name()] = map[int]*Compiled{}
		}
		if _, dup := m[f.Name()][f.Version()]; dup {
			return fmt.Errorf("flow: %s version %d defined twice", f.Name(), f.Version())
		}
		m[f.Name()][f.Version()] = f
	}
	c.mu.Lock()
	c.flows = m
	c.mu.Unlock()
	return nil
}

// Get returns the flow of the name at version, or at its latest version
// when version is 0. A missing flow is not_found.
func (c *Catalog) Get(name string, version int) (*Compiled, error) {
	f, err := c.get(name, version)
	if err == nil {
		return f, nil
	}
	c.mu.RLock()
	miss := c.miss
	c.mu.RUnlock()
	if miss != nil && miss() {
		return c.get(name, version)
	}
	return nil, err
}

func (c *Catalog) get(name string, version int) (*Compiled, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	vs := c.flows[name]
	if version == 0 {
		for v := range vs {
			version = max(version, v)
		}
	}
	f, ok := vs[version]
	if !ok {
		if len(vs) > 0 {
			return nil, easel.Errorf(easel.CodeNotFound, "flow %s has no version %d", name, version)
		}
		return nil, easel.Errorf(easel.CodeNotFound, "no flow %q", name)
	}
	return f, nil
}

// List returns every flow, by name then version.
func (c *Catalog) List() []*Compiled {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Compiled
	for _, vs := range c.flows {
		for _, f := range vs {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name() != out[j].Name() {
			return out[i].Name() < out[j].Name()
		}
		return out[i].Version() < out[j].Version()
	})
	return out
}

// LoadDir parses every *.yaml and *.yml flow of dir. One broken file fails
// the load, naming the file, so that a reload keeps the last good set.
func LoadDir(dir string, reg *processor.Registry) ([]*Compiled, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("flow: reading %q: %w", dir, err)
	}
	var out []*Compiled
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || ext != ".yaml" && ext != ".yml" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("flow: %s: %w", e.Name(), err)
		}
		f, err := Parse(data, reg)
		if err != nil {
			return nil, fmt.Errorf("flow: %s: %w", e.Name(), err)
		}
		f.Origin = Origin{Source: SourceFile, File: e.Name(), YAML: string(data)}
		out = append(out, f)
	}
	return out, nil
}
