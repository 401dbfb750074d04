// Package rules picks the flow an upload goes through: an ordered list of
// rules, each a `when` expression over the media's facts (expr-lang/expr,
// compiled once), a flow and parameter overrides; the first rule that
// matches wins. Explain says which rule matched and why, with the values
// of the facts each rule read.
package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"

	"github.com/easelhq/easel"
)

// Facts are what rules see of an upload. The names in expressions are the
// JSON names.
type Facts struct {
	Width     int               `json:"width"`
	Height    int               `json:"height"`
	ShortSide int               `json:"short_side"` // min(width, height); 0 when unknown
	Format    string            `json:"format"`     // jpeg, png, …, mp4, webm
	Frames    int               `json:"frames"`     // 1 for a still image
	Duration  float64           `json:"duration"`   // seconds; 0 for images
	Faces     int               `json:"faces"`      // -1 when not analysed
	Bytes     int64             `json:"bytes"`
	Region    string            `json:"region"`
	Tenant    string            `json:"tenant"`
	Metadata  map[string]string `json:"metadata"`
}

// env is the expression environment of the facts.
func (f Facts) env() map[string]any {
	md := f.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return map[string]any{
		"width": f.Width, "height": f.Height, "short_side": f.ShortSide, "format": f.Format,
		"frames": f.Frames, "duration": f.Duration, "faces": f.Faces, "bytes": f.Bytes,
		"region": f.Region, "tenant": f.Tenant, "metadata": md,
	}
}

// Rule is one entry of the rules file.
type Rule struct {
	Name string `yaml:"name" json:"name"`
	When string `yaml:"when" json:"when"`
	Flow string `yaml:"flow" json:"flow"`
	// Params override the flow's step parameters, by step ID.
	Params map[string]map[string]any `yaml:"params,omitempty" json:"params,omitempty"`
}

type compiled struct {
	Rule
	prog  *vm.Program
	facts []string // the fact names the expression reads, sorted
}

// Set is a compiled, ordered list of rules. It is immutable and safe for
// concurrent use.
type Set struct{ rules []compiled }

// maxRules bounds a rules file.
const (
	maxRules     = 1000
	maxRuleBytes = 1 << 20
)

// Parse reads and compiles a rules file: a YAML list of rules. flowExists,
// when not nil, checks each rule's flow. Errors are invalid_argument and
// name the rule.
func Parse(data []byte, flowExists func(name string) error) (*Set, error) {
	if len(data) > maxRuleBytes {
		return nil, easel.Errorf(easel.CodeTooLarge, "rules larger than %d bytes", maxRuleBytes)
	}
	var rs []Rule
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&rs); err != nil && !errors.Is(err, io.EOF) {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "rules: %v", err)
	}
	set, err := Compile(rs, flowExists)
	return set, withLine(data, rs, err)
}

// withLine prefixes Compile's error about a rule with "line N: ", the line
// of that rule (or of its when or flow) in data.
func withLine(data []byte, rs []Rule, err error) error {
	if err == nil {
		return nil
	}
	msg := easel.ErrorMessage(err)
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.SequenceNode {
		return err
	}
	items := doc.Content[0].Content
	for i, r := range rs {
		if i >= len(items) {
			break
		}
		var field string
		switch {
		case r.Name != "" && strings.HasPrefix(msg, "rule "+r.Name+": "):
			field = strings.TrimPrefix(msg, "rule "+r.Name+": ")
		case strings.HasPrefix(msg, fmt.Sprintf("rule %d: ", i+1)):
		default:
			continue
		}
		line := items[i].Line
		for _, key := range []string{"when", "flow"} {
			if strings.HasPrefix(field, key) {
				n := items[i]
				for j := 0; j+1 < len(n.Content); j += 2 {
					if n.Content[j].Value == key {
						line = n.Content[j].Line
					}
				}
			}
		}
		return easel.Errorf(easel.ErrorCode(err), "line %d: %s", line, msg)
	}
	return err
}

// Rules returns the rules, in order.
func (s *Set) Rules() []Rule {
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Rule
	}
	return out
}

// UsesFlow reports whether a rule picks the flow.
func (s *Set) UsesFlow(name string) (rule string, ok bool) {
	for _, r := range s.rules {
		if r.Flow == name {
			return r.Name, true
		}
	}
	return "", false
}

// Compile compiles rules in order.
func Compile(rs []Rule, flowExists func(name string) error) (*Set, error) {
	if len(rs) > maxRules {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "rules: more than %d", maxRules)
	}
	env := Facts{}.env()
	s := &Set{}
	seen := map[string]bool{}
	for i, r := range rs {
		name := r.Name
		if name == "" {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "rule %d: a name is needed", i+1)
		}
		if seen[name] {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "rule %s: name used twice", name)
		}
		seen[name] = true
		if r.When == "" {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "rule %s: when is empty (write \"true\" to match everything)", name)
		}
		if r.Flow == "" {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "rule %s: flow is empty", name)
		}
		prog, err := expr.Compile(r.When, expr.Env(env), expr.AsBool())
		if err != nil {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "rule %s: when: %v", name, err)
		}
		if flowExists != nil {
			if err := flowExists(r.Flow); err != nil {
				return nil, easel.Errorf(easel.CodeInvalidArgument, "rule %s: flow %q: %s", name, r.Flow, easel.ErrorMessage(err))
			}
		}
		s.rules = append(s.rules, compiled{Rule: r, prog: prog, facts: identifiers(prog.Node(), env)})
	}
	return s, nil
}

// identifiers lists the facts an expression reads.
func identifiers(n ast.Node, env map[string]any) []string {
	v := &identVisitor{names: map[string]bool{}}
	ast.Walk(&n, v)
	var out []string
	for name := range v.names {
		if _, ok := env[name]; ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

type identVisitor struct{ names map[string]bool }

// Visit implements ast.Visitor.
func (v *identVisitor) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		v.names[id.Value] = true
	}
}

// Match is the rule that matched.
type Match struct {
	Rule   string                    `json:"rule"`
	Flow   string                    `json:"flow"`
	Params map[string]map[string]any `json:"params,omitempty"`
}

// Match returns the first rule whose expression is true for the facts.
// A rule whose expression fails to evaluate does not match.
func (s *Set) Match(f Facts) (Match, bool) {
	env := f.env()
	for _, r := range s.rules {
		if ok, _ := run(r, env); ok {
			return Match{Rule: r.Name, Flow: r.Flow, Params: r.Params}, true
		}
	}
	return Match{}, false
}

func run(r compiled, env map[string]any) (bool, error) {
	out, err := expr.Run(r.prog, env)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// Evaluation is what one rule said of the facts.
type Evaluation struct {
	Rule    string         `json:"rule"`
	When    string         `json:"when"`
	Flow    string         `json:"flow"`
	Matched bool           `json:"matched"`
	Facts   map[string]any `json:"facts"` // the facts the expression read, with their values
	Error   string         `json:"error,omitempty"`
}

// Explanation says which rule matched and why: every rule evaluated up to
// and including the match, in order.
type Explanation struct {
	Matched *Match       `json:"matched"` // nil when no rule matched
	Rules   []Evaluation `json:"rules"`
	Facts   Facts        `json:"facts"`
}

// Explain evaluates the rules in order until one matches.
func (s *Set) Explain(f Facts) Explanation {
	env := f.env()
	ex := Explanation{Facts: f, Rules: []Evaluation{}}
	for _, r := range s.rules {
		ok, err := run(r, env)
		ev := Evaluation{Rule: r.Name, When: r.When, Flow: r.Flow, Matched: ok, Facts: map[string]any{}}
		for _, name := range r.facts {
			ev.Facts[name] = env[name]
		}
		if err != nil {
			ev.Error = err.Error()
		}
		ex.Rules = append(ex.Rules, ev)
		if ok {
			ex.Matched = &Match{Rule: r.Name, Flow: r.Flow, Params: r.Params}
			break
		}
	}
	return ex
}

// Len returns the number of rules.
func (s *Set) Len() int { return len(s.rules) }

// String describes an evaluation in a line.
func (e Evaluation) String() string {
	verdict := "no match"
	if e.Matched {
		verdict = "matched"
	}
	return fmt.Sprintf("%s (%s): %s with %v", e.Rule, e.When, verdict, e.Facts)
}
