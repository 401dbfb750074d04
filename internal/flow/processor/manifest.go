package processor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Manifest limits.
const (
	DefaultTimeout = 30 * time.Second
	MaxTimeout     = 2 * time.Hour
	DefaultMemory  = 512 << 20
	MinMemory      = 16 << 20
	maxManifest    = 64 << 10
)

// manifest is the YAML form of an external processor.
type manifest struct {
	Name    string            `yaml:"name"`
	Command []string          `yaml:"command"`
	Inputs  []string          `yaml:"inputs"`
	Outputs map[string]string `yaml:"outputs"`
	Params  map[string]Param  `yaml:"params"`
	Timeout string            `yaml:"timeout"`
	Memory  string            `yaml:"memory"`
	Doc     string            `yaml:"doc"`
}

// External is a processor described by a manifest: a command run in the
// sandbox.
type External struct {
	spec    Spec
	dir     string   // the manifest's directory
	command []string // resolved: files next to the manifest made absolute
	sandbox *Sandbox
}

var _ Processor = (*External)(nil)

// Spec implements Processor.
func (e *External) Spec() Spec { return e.spec }

// Command returns the resolved command line.
func (e *External) Command() []string { return append([]string(nil), e.command...) }

// Run implements Processor: the command runs in the sandbox.
func (e *External) Run(ctx context.Context, req Request) ([]Output, error) {
	return e.sandbox.Run(ctx, e.spec, e.command, req)
}

// ParseManifest reads one manifest. dir is the directory the command is
// relative to: every element of the command naming a file there is made
// absolute. Unknown keys are errors.
func ParseManifest(data []byte, dir string, sb *Sandbox) (*External, error) {
	var m manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("empty manifest")
		}
		return nil, err
	}
	if len(m.Command) == 0 || m.Command[0] == "" {
		return nil, fmt.Errorf("command: at least the program is needed")
	}
	spec := Spec{Name: m.Name, Inputs: m.Inputs, Outputs: m.Outputs, Params: m.Params, Timeout: DefaultTimeout, Memory: DefaultMemory}
	if m.Timeout != "" {
		d, err := time.ParseDuration(m.Timeout)
		if err != nil || d <= 0 || d > MaxTimeout {
			return nil, fmt.Errorf("timeout: %q must be a duration in (0, %s]", m.Timeout, MaxTimeout)
		}
		spec.Timeout = d
	}
	if m.Memory != "" {
		n, err := ParseBytes(m.Memory)
		if err != nil || n < MinMemory {
			return nil, fmt.Errorf("memory: %q must be a size of at least 16MiB (e.g. 512MiB)", m.Memory)
		}
		spec.Memory = n
	}
	if err := spec.check(); err != nil {
		return nil, err
	}
	cmd := make([]string, len(m.Command))
	for i, arg := range m.Command {
		cmd[i] = arg
		if arg == "" || strings.HasPrefix(arg, "-") || filepath.IsAbs(arg) {
			continue
		}
		p := filepath.Join(dir, arg)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			cmd[i] = p
		}
	}
	if !filepath.IsAbs(cmd[0]) && strings.Contains(cmd[0], "/") {
		return nil, fmt.Errorf("command: %q is not a file next to the manifest", m.Command[0])
	}
	return &External{spec: spec, dir: dir, command: cmd, sandbox: sb}, nil
}

// LoadDir reads every *.yaml and *.yml manifest of dir. One broken manifest
// fails the whole load, naming the file, so that a reload keeps the last
// good set.
func LoadDir(dir string, sb *Sandbox) ([]Processor, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("processor: reading %q: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("processor: %q: %w", dir, err)
	}
	var out []Processor
	seen := map[string]string{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || ext != ".yaml" && ext != ".yml" {
			continue
		}
		p := filepath.Join(abs, e.Name())
		data, err := readLimited(p, maxManifest)
		if err != nil {
			return nil, fmt.Errorf("processor: %s: %w", e.Name(), err)
		}
		x, err := ParseManifest(data, abs, sb)
		if err != nil {
			return nil, fmt.Errorf("processor: %s: %w", e.Name(), err)
		}
		if prev, dup := seen[x.spec.Name]; dup {
			return nil, fmt.Errorf("processor: %s: name %q is also declared in %s", e.Name(), x.spec.Name, prev)
		}
		seen[x.spec.Name] = e.Name()
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Spec().Name < out[j].Spec().Name })
	return out, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// ParseBytes reads a size: a number with an optional unit B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024).
func ParseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	mult := map[string]float64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("bad unit in %q", s)
	}
	if f*mult > 1<<50 {
		return 0, fmt.Errorf("size %q too large", s)
	}
	return int64(f * mult), nil
}
