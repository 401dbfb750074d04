package processor

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// File is a piece of media on local disk, with its sniffed MIME type.
type File struct {
	Path string `json:"-"`
	MIME string `json:"mime"`
}

// Output is one output a run produced: a declared output name, its index
// among the files of that name (video.frames writes several), and the file.
// Meta holds what the processor reports about it (dimensions, duration,
// analysis), when anything.
type Output struct {
	Name  string         `json:"name"`
	Index int            `json:"index"`
	File  File           `json:"file"`
	Meta  map[string]any `json:"meta,omitempty"`
}

// Request is one run of a processor: its input, its validated parameters,
// the directory it writes its outputs into (owned by the caller, empty),
// and an optional progress callback.
type Request struct {
	Input  File
	Params Values
	// Dir is where the processor writes its output files; the caller
	// removes it when it no longer needs them.
	Dir string
	// Progress, when not nil, is called with the fraction done, 0..1.
	// It must be cheap and safe for concurrent use.
	Progress func(fraction float64)
}

// Processor is one kind of step.
//
// Run must honour ctx (stop and return its error when it is done), write
// only under req.Dir, and return errors carrying easel codes: bad input
// (invalid_argument, unsupported_media, too_large) when retrying cannot
// help, anything else when it may. Params are already validated against
// Spec. Implementations must be safe for concurrent use.
type Processor interface {
	Spec() Spec
	Run(ctx context.Context, req Request) ([]Output, error)
}

// Registry holds the processors by name: built-ins registered once, and
// the manifests of a directory, replaced whole on every reload. It is safe
// for concurrent use.
type Registry struct {
	mu       sync.RWMutex
	builtins map[string]Processor
	loaded   map[string]Processor
}

// NewRegistry returns a registry of the built-in processors.
func NewRegistry(builtins ...Processor) (*Registry, error) {
	r := &Registry{builtins: map[string]Processor{}, loaded: map[string]Processor{}}
	for _, p := range builtins {
		s := p.Spec()
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("processor: built-in %q: %w", s.Name, err)
		}
		if _, dup := r.builtins[s.Name]; dup {
			return nil, fmt.Errorf("processor: built-in %q registered twice", s.Name)
		}
		r.builtins[s.Name] = p
	}
	return r, nil
}

// Get returns the processor of the name.
func (r *Registry) Get(name string) (Processor, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if p, ok := r.builtins[name]; ok {
		return p, true
	}
	p, ok := r.loaded[name]
	return p, ok
}

// Names lists the processors, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.builtins)+len(r.loaded))
	for n := range r.builtins {
		names = append(names, n)
	}
	for n := range r.loaded {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetExternal replaces the processors loaded from manifests. A manifest may
// not take a built-in's name.
func (r *Registry) SetExternal(ps []Processor) error {
	loaded := make(map[string]Processor, len(ps))
	for _, p := range ps {
		name := p.Spec().Name
		if _, ok := r.builtins[name]; ok {
			return fmt.Errorf("processor: %q is the name of a built-in processor", name)
		}
		if _, dup := loaded[name]; dup {
			return fmt.Errorf("processor: %q declared twice", name)
		}
		loaded[name] = p
	}
	r.mu.Lock()
	r.loaded = loaded
	r.mu.Unlock()
	return nil
}
