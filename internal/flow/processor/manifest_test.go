package processor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

const goodManifest = `
name: vintage
command: ["python3", "vintage.py"]
inputs: [image/jpeg, image/png]
outputs: {image: image/jpeg}
params:
  strength: {type: int, min: 0, max: 100, default: 40}
  tone: {type: enum, values: [warm, cold], default: warm}
timeout: 30s
memory: 512MiB
`

func TestParseManifest(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "vintage.py"), []byte("print()"), 0o644))
	x, err := processor.ParseManifest([]byte(goodManifest), dir, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"python3", filepath.Join(dir, "vintage.py")}, x.Command())
	s := x.Spec()
	require.Equal(t, "vintage", s.Name)
	require.Equal(t, 30*time.Second, s.Timeout)
	require.Equal(t, int64(512<<20), s.Memory)
	require.True(t, s.Accepts("image/png"))
	require.False(t, s.Accepts("image/gif"))
}

func TestParseManifestErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", goodManifest + "color: red\n", "field color not found"},
		{"unknown param key", "name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\nparams: {p: {type: int, maximum: 3}}\n", "field maximum not found"},
		{"no command", "name: a\ninputs: [image/png]\noutputs: {o: image/png}\n", "command"},
		{"bad name", "name: A b\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\n", "name"},
		{"no inputs", "name: a\ncommand: [x]\noutputs: {o: image/png}\n", "inputs"},
		{"bad mime", "name: a\ncommand: [x]\ninputs: [png]\noutputs: {o: image/png}\n", `"png" is not a MIME type`},
		{"no outputs", "name: a\ncommand: [x]\ninputs: [image/png]\n", "outputs"},
		{"bad type", "name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\nparams: {p: {type: integer}}\n", `p: type "integer"`},
		{"enum without values", "name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\nparams: {p: {type: enum}}\n", "p: an enum needs values"},
		{"default out of range", "name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\nparams: {p: {type: int, max: 3, default: 9}}\n", "default: p: 9 is out of range"},
		{"min above max", "name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\nparams: {p: {type: float, min: 3, max: 1}}\n", "p: min is above max"},
		{"bad timeout", "name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\ntimeout: forever\n", "timeout"},
		{"tiny memory", "name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\nmemory: 1MiB\n", "memory"},
		{"relative path not there", "name: a\ncommand: [./nothere.sh]\ninputs: [image/png]\noutputs: {o: image/png}\n", "not a file next to the manifest"},
		{"empty", "", "empty manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := processor.ParseManifest([]byte(tt.yaml), t.TempDir(), nil)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadDirNamesTheBrokenFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("name: b\ncommand: [x]\nbogus: 1\n"), 0o644))
	_, err := processor.LoadDir(dir, nil)
	require.ErrorContains(t, err, "b.yaml")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("name: a\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\n"), 0o644))
	_, err = processor.LoadDir(dir, nil)
	require.ErrorContains(t, err, `name "a" is also declared in a.yaml`)
}

func TestValidateParams(t *testing.T) {
	x, err := processor.ParseManifest([]byte(strings.Replace(goodManifest, "timeout:", "  label: {type: string, max: 4, optional: true}\n  sharp: {type: bool, optional: true}\n  gamma: {type: float, min: 0.5, max: 3, optional: true}\ntimeout:", 1)), t.TempDir(), nil)
	require.NoError(t, err)
	spec := x.Spec()
	tests := []struct {
		name string
		raw  map[string]any
		want processor.Values
		err  string
	}{
		{"defaults", nil, processor.Values{"strength": int64(40), "tone": "warm"}, ""},
		{"json numbers", map[string]any{"strength": 60.0, "gamma": 1.5, "sharp": true, "label": "ab"},
			processor.Values{"strength": int64(60), "tone": "warm", "gamma": 1.5, "sharp": true, "label": "ab"}, ""},
		{"unknown", map[string]any{"strenght": 1}, nil, "strenght: unknown parameter of vintage (known: gamma, label, sharp, strength, tone)"},
		{"fraction for int", map[string]any{"strength": 1.5}, nil, "strength: must be an integer, not 1.5"},
		{"out of range", map[string]any{"strength": 101}, nil, "strength: 101 is out of range 0..100"},
		{"string for int", map[string]any{"strength": "60"}, nil, "strength: must be a number, not a string"},
		{"enum", map[string]any{"tone": "hot"}, nil, `tone: "hot" is not one of warm, cold`},
		{"bool", map[string]any{"sharp": "yes"}, nil, "sharp: must be true or false, not a string"},
		{"long string", map[string]any{"label": "abcde"}, nil, "label: length 5 is out of range -inf..4"},
		{"float range", map[string]any{"gamma": 0.1}, nil, "gamma: 0.1 is out of range 0.5..3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := spec.Validate(tt.raw)
			if tt.err != "" {
				require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
				require.Equal(t, tt.err, easel.ErrorMessage(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
