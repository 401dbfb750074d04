package flow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

// Flow is a named, versioned DAG of steps, as written in YAML.
type Flow struct {
	Name        string `yaml:"name" json:"name"`
	Version     int    `yaml:"version,omitempty" json:"version"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Steps       []Step `yaml:"steps" json:"steps"`
	// Outputs are the step outputs the flow keeps: "step" (all of its
	// outputs) or "step.output"; default: every output of the last step.
	Outputs []string `yaml:"outputs,omitempty" json:"outputs,omitempty"`
}

// Step is one processor run.
type Step struct {
	ID        string `yaml:"id" json:"id"`
	Processor string `yaml:"processor" json:"processor"`
	// Input is "" for the upload, "step" for the output of a step that
	// declares one, or "step.output" (the first file of that output).
	Input  string         `yaml:"input,omitempty" json:"input,omitempty"`
	Params map[string]any `yaml:"params,omitempty" json:"params,omitempty"`
}

// Ref names an output of a step.
type Ref struct {
	Step   string `json:"step"`
	Output string `json:"output,omitempty"` // "" for the first
}

// String writes the ref as in YAML.
func (r Ref) String() string {
	if r.Output == "" {
		return r.Step
	}
	return r.Step + "." + r.Output
}

func parseRef(s string) Ref {
	step, out, _ := strings.Cut(s, ".")
	return Ref{Step: step, Output: out}
}

// maxFlowBytes bounds a flow definition; maxSteps its steps.
const (
	maxFlowBytes = 256 << 10
	maxSteps     = 64
)

// Parse reads and validates a flow definition against the registry.
// Unknown keys are errors; every error is invalid_argument and names the
// step at fault.
func Parse(data []byte, reg *processor.Registry) (*Compiled, error) {
	if len(data) > maxFlowBytes {
		return nil, easel.Errorf(easel.CodeTooLarge, "flow definition larger than %d bytes", maxFlowBytes)
	}
	f, err := decode(data)
	if err != nil {
		return nil, err
	}
	c, err := Compile(f, reg)
	return c, withLine(data, err)
}

// decode reads a flow definition; unknown keys are errors.
func decode(data []byte) (Flow, error) {
	var f Flow
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return f, easel.Errorf(easel.CodeInvalidArgument, "empty flow definition")
		}
		return f, easel.Errorf(easel.CodeInvalidArgument, "flow definition: %v", err)
	}
	return f, nil
}

// ParseDefinition reads a flow sent over the API for the name in its URL,
// with the validation of Parse (processors exist, parameters valid, inputs
// acyclic; errors name the line). Its name may be left out; its version,
// when given, is returned as requested (0 when absent): the store assigns
// versions. version, when not 0, is the version the flow is compiled as.
func ParseDefinition(data []byte, reg *processor.Registry, name string, version int) (c *Compiled, requested int, err error) {
	if len(data) > maxFlowBytes {
		return nil, 0, easel.Errorf(easel.CodeTooLarge, "flow definition larger than %d bytes", maxFlowBytes)
	}
	f, err := decode(data)
	if err != nil {
		return nil, 0, err
	}
	if f.Name == "" {
		f.Name = name
	} else if f.Name != name {
		return nil, 0, withLine(data, easel.Errorf(easel.CodeInvalidArgument, "flow name %q is not %q, the name in the URL", f.Name, name))
	}
	requested = f.Version
	if version != 0 {
		f.Version = version
	}
	c, err = Compile(f, reg)
	if err != nil {
		return nil, requested, withLine(data, err)
	}
	return c, requested, nil
}

// invalid returns an invalid_argument error about the flow.
func invalid(f Flow, format string, args ...any) error {
	return easel.Errorf(easel.CodeInvalidArgument, "flow %s: "+format, append([]any{f.Name}, args...)...)
}

// Compiled is a validated flow: steps in the order they run, parameters
// validated.
type Compiled struct {
	Flow Flow
	// Origin says where the definition came from.
	Origin  Origin
	order   []int              // indexes into Flow.Steps, dependencies first
	params  []processor.Values // by step index
	outputs []Ref
}

// Origin is where a flow was defined: a file of flows.dir, or the API.
type Origin struct {
	Source    string    `json:"source"`         // "file" or "api"
	File      string    `json:"file,omitempty"` // the file's name in flows.dir
	YAML      string    `json:"yaml"`           // the definition as written
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Sources of flows.
const (
	SourceFile = "file"
	SourceAPI  = "api"
)

// Compile validates f against the registry.
func Compile(f Flow, reg *processor.Registry) (*Compiled, error) {
	if !validName(f.Name) {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "flow name %q must match [a-z0-9][a-z0-9._-]{0,63}", f.Name)
	}
	if f.Version == 0 {
		f.Version = 1
	}
	if f.Version < 0 {
		return nil, invalid(f, "version must be positive")
	}
	if len(f.Steps) == 0 || len(f.Steps) > maxSteps {
		return nil, invalid(f, "1..%d steps are needed, not %d", maxSteps, len(f.Steps))
	}
	c := &Compiled{Flow: f, params: make([]processor.Values, len(f.Steps))}
	index := map[string]int{}
	procs := make([]processor.Processor, len(f.Steps))
	for i, s := range f.Steps {
		if !validName(s.ID) || strings.Contains(s.ID, ".") {
			return nil, invalid(f, "step %d: id %q must match [a-z0-9][a-z0-9_-]{0,63}", i+1, s.ID)
		}
		if _, dup := index[s.ID]; dup {
			return nil, invalid(f, "step %s: id used twice", s.ID)
		}
		index[s.ID] = i
		p, ok := reg.Get(s.Processor)
		if !ok {
			return nil, invalid(f, "step %s: unknown processor %q", s.ID, s.Processor)
		}
		procs[i] = p
		v, err := processor.Validate(p, s.Params)
		if err != nil {
			return nil, invalid(f, "step %s: %s", s.ID, easel.ErrorMessage(err))
		}
		c.params[i] = v
	}
	// inputs: known steps, declared outputs, compatible types
	deps := make([]int, len(f.Steps)) // -1: the upload
	for i, s := range f.Steps {
		deps[i] = -1
		if s.Input == "" {
			continue
		}
		ref := parseRef(s.Input)
		j, ok := index[ref.Step]
		if !ok {
			return nil, invalid(f, "step %s: input %q is not a step", s.ID, s.Input)
		}
		if j == i {
			return nil, invalid(f, "step %s: input is the step itself", s.ID)
		}
		mime, err := outputMIME(procs[j].Spec(), ref)
		if err != nil {
			return nil, invalid(f, "step %s: input %q: %v", s.ID, s.Input, err)
		}
		if !overlaps(mime, procs[i].Spec().Inputs) {
			return nil, invalid(f, "step %s: %s takes %s, but %s gives %s", s.ID, s.Processor, strings.Join(procs[i].Spec().Inputs, ", "), s.Input, mime)
		}
		deps[i] = j
	}
	order, cycle := topo(deps)
	if cycle >= 0 {
		return nil, invalid(f, "step %s: its inputs form a cycle", f.Steps[cycle].ID)
	}
	c.order = order
	if len(f.Outputs) == 0 {
		last := f.Steps[order[len(order)-1]]
		c.outputs = []Ref{{Step: last.ID}}
	}
	for _, o := range f.Outputs {
		ref := parseRef(o)
		j, ok := index[ref.Step]
		if !ok {
			return nil, invalid(f, "outputs: %q is not a step", o)
		}
		if _, ok := procs[j].Spec().Outputs[ref.Output]; ref.Output != "" && !ok {
			return nil, invalid(f, "outputs: %q: %s has no output %q", o, procs[j].Spec().Name, ref.Output)
		}
		c.outputs = append(c.outputs, ref)
	}
	return c, nil
}

// outputMIME returns the declared type of a step output.
func outputMIME(s processor.Spec, ref Ref) (string, error) {
	if ref.Output == "" {
		if len(s.Outputs) != 1 {
			return "", fmt.Errorf("%s has several outputs: name one (%s)", s.Name, strings.Join(sortedKeys(s.Outputs), ", "))
		}
		for _, m := range s.Outputs {
			return m, nil
		}
	}
	m, ok := s.Outputs[ref.Output]
	if !ok {
		return "", fmt.Errorf("%s has no output %q (it has %s)", s.Name, ref.Output, strings.Join(sortedKeys(s.Outputs), ", "))
	}
	return m, nil
}

// overlaps reports whether a value of type pattern a may be accepted by
// one of the patterns in bs.
func overlaps(a string, bs []string) bool {
	at, asub, _ := strings.Cut(a, "/")
	for _, b := range bs {
		bt, bsub, _ := strings.Cut(b, "/")
		if (at == "*" || bt == "*" || at == bt) && (asub == "*" || bsub == "*" || asub == bsub) {
			return true
		}
	}
	return false
}

// topo orders the steps so each comes after its input (Kahn's algorithm,
// declaration order among ready steps). It returns a step on a cycle, or -1.
func topo(deps []int) ([]int, int) {
	order := make([]int, 0, len(deps))
	done := make([]bool, len(deps))
	for len(order) < len(deps) {
		progressed := false
		for i, d := range deps {
			if !done[i] && (d < 0 || done[d]) {
				done[i], progressed = true, true
				order = append(order, i)
			}
		}
		if !progressed {
			for i := range deps {
				if !done[i] {
					return nil, i
				}
			}
		}
	}
	return order, -1
}

// Name returns the flow's name.
func (c *Compiled) Name() string { return c.Flow.Name }

// Version returns the flow's version.
func (c *Compiled) Version() int { return c.Flow.Version }

// StepIDs lists the steps in the order they run.
func (c *Compiled) StepIDs() []string {
	ids := make([]string, len(c.order))
	for k, i := range c.order {
		ids[k] = c.Flow.Steps[i].ID
	}
	return ids
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if !ok && (i == 0 || r != '.' && r != '_' && r != '-') {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
