package processor

import (
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// ParamType is the type of a declared parameter.
type ParamType string

// The parameter types.
const (
	TypeInt    ParamType = "int"
	TypeFloat  ParamType = "float"
	TypeBool   ParamType = "bool"
	TypeString ParamType = "string"
	TypeEnum   ParamType = "enum"
)

// Param declares one parameter. Min and Max bound numbers (and the length
// of strings); Values lists the choices of an enum; Default, when set, is
// used when the parameter is not given, and a parameter without a default
// is required unless Optional.
type Param struct {
	Type     ParamType `yaml:"type" json:"type"`
	Min      *float64  `yaml:"min,omitempty" json:"min,omitempty"`
	Max      *float64  `yaml:"max,omitempty" json:"max,omitempty"`
	Default  any       `yaml:"default,omitempty" json:"default,omitempty"`
	Values   []string  `yaml:"values,omitempty" json:"values,omitempty"`
	Optional bool      `yaml:"optional,omitempty" json:"optional,omitempty"`
	Doc      string    `yaml:"doc,omitempty" json:"doc,omitempty"`
}

// Spec is what a processor declares: its name, the MIME types of the inputs
// it accepts (patterns such as image/* allowed), its outputs by name with
// their MIME types (patterns allowed), its parameters, and the limits of
// one run.
type Spec struct {
	Name    string            `json:"name"`
	Inputs  []string          `json:"inputs"`
	Outputs map[string]string `json:"outputs"`
	Params  map[string]Param  `json:"params"`
	Timeout time.Duration     `json:"timeout_ns"`
	Memory  int64             `json:"memory_bytes"` // 0: no cap
}

// Values are validated parameters: int64, float64, bool or string by
// declared type, every declared parameter with a default present.
type Values map[string]any

// check validates the declaration itself.
func (s Spec) check() error {
	if !validName(s.Name) {
		return fmt.Errorf("name %q must match [a-z0-9][a-z0-9._-]{0,63}", s.Name)
	}
	if len(s.Inputs) == 0 {
		return fmt.Errorf("inputs: at least one MIME type is needed")
	}
	for _, m := range s.Inputs {
		if !validMIME(m) {
			return fmt.Errorf("inputs: %q is not a MIME type", m)
		}
	}
	if len(s.Outputs) == 0 {
		return fmt.Errorf("outputs: at least one output is needed")
	}
	for name, m := range s.Outputs {
		if !validName(name) || strings.Contains(name, ".") {
			return fmt.Errorf("outputs: name %q must match [a-z0-9][a-z0-9_-]{0,63}", name)
		}
		if !validMIME(m) {
			return fmt.Errorf("outputs: %s: %q is not a MIME type", name, m)
		}
	}
	for _, name := range sortedKeys(s.Params) {
		if err := s.Params[name].check(name); err != nil {
			return fmt.Errorf("params: %w", err)
		}
	}
	return nil
}

func (p Param) check(name string) error {
	if !validName(name) || strings.Contains(name, ".") {
		return fmt.Errorf("%q: name must match [a-z0-9][a-z0-9_-]{0,63}", name)
	}
	switch p.Type {
	case TypeInt, TypeFloat, TypeString:
	case TypeBool:
		if p.Min != nil || p.Max != nil {
			return fmt.Errorf("%s: min and max do not apply to bool", name)
		}
	case TypeEnum:
		if len(p.Values) == 0 {
			return fmt.Errorf("%s: an enum needs values", name)
		}
	default:
		return fmt.Errorf("%s: type %q is not one of int, float, bool, string, enum", name, p.Type)
	}
	if p.Type != TypeEnum && len(p.Values) > 0 {
		return fmt.Errorf("%s: values apply to enum only", name)
	}
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		return fmt.Errorf("%s: min is above max", name)
	}
	if p.Default != nil {
		if _, err := p.coerce(name, p.Default); err != nil {
			return fmt.Errorf("default: %s", easel.ErrorMessage(err))
		}
	}
	return nil
}

// Validate checks raw parameters (from JSON or YAML) against the
// declaration and returns them typed, with defaults filled in. Its errors
// are invalid_argument and start with the parameter's name.
func (s Spec) Validate(raw map[string]any) (Values, error) {
	out := make(Values, len(s.Params))
	for _, name := range sortedKeys(raw) {
		p, ok := s.Params[name]
		if !ok {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "%s: unknown parameter of %s (known: %s)", name, s.Name, strings.Join(sortedKeys(s.Params), ", "))
		}
		v, err := p.coerce(name, raw[name])
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	for _, name := range sortedKeys(s.Params) {
		if _, ok := out[name]; ok {
			continue
		}
		p := s.Params[name]
		switch {
		case p.Default != nil:
			out[name], _ = p.coerce(name, p.Default)
		case !p.Optional:
			return nil, easel.Errorf(easel.CodeInvalidArgument, "%s: required parameter of %s", name, s.Name)
		}
	}
	return out, nil
}

// coerce turns a decoded value into the parameter's Go type and checks it.
func (p Param) coerce(name string, v any) (any, error) {
	bad := func(format string, args ...any) error {
		return easel.Errorf(easel.CodeInvalidArgument, "%s: "+format, append([]any{name}, args...)...)
	}
	switch p.Type {
	case TypeInt, TypeFloat:
		f, ok := number(v)
		if !ok {
			return nil, bad("must be a number, not %s", describe(v))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, bad("must be finite")
		}
		if p.Type == TypeInt && (f != math.Trunc(f) || math.Abs(f) > 1<<53) {
			return nil, bad("must be an integer, not %v", v)
		}
		if p.Min != nil && f < *p.Min || p.Max != nil && f > *p.Max {
			return nil, bad("%v is out of range %s", v, p.bounds())
		}
		if p.Type == TypeInt {
			return int64(f), nil
		}
		return f, nil
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad("must be true or false, not %s", describe(v))
		}
		return b, nil
	case TypeString, TypeEnum:
		str, ok := v.(string)
		if !ok {
			return nil, bad("must be a string, not %s", describe(v))
		}
		if p.Type == TypeEnum {
			if !slices.Contains(p.Values, str) {
				return nil, bad("%q is not one of %s", str, strings.Join(p.Values, ", "))
			}
			return str, nil
		}
		n := float64(len(str))
		if p.Min != nil && n < *p.Min || p.Max != nil && n > *p.Max {
			return nil, bad("length %d is out of range %s", len(str), p.bounds())
		}
		return str, nil
	}
	return nil, bad("undeclared type %q", p.Type)
}

func (p Param) bounds() string {
	lo, hi := "-inf", "+inf"
	if p.Min != nil {
		lo = fmt.Sprint(*p.Min)
	}
	if p.Max != nil {
		hi = fmt.Sprint(*p.Max)
	}
	return lo + ".." + hi
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	if _, ok := number(v); ok {
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// Accepts reports whether the spec accepts an input of the MIME type.
func (s Spec) Accepts(mime string) bool {
	for _, m := range s.Inputs {
		if MatchMIME(m, mime) {
			return true
		}
	}
	return false
}

// MatchMIME reports whether mime matches pattern: equal, or pattern is
// type/* (or */*) and the types agree.
func MatchMIME(pattern, mime string) bool {
	ok, err := path.Match(pattern, mime)
	return err == nil && ok
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i, r := range s {
		lower := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if !lower && (i == 0 || r != '.' && r != '_' && r != '-') {
			return false
		}
	}
	return true
}

func validMIME(s string) bool {
	t, sub, ok := strings.Cut(s, "/")
	return ok && t != "" && sub != "" && !strings.ContainsAny(s, " ;,") && strings.Count(s, "/") == 1
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
