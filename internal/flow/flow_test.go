package flow_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
)

func TestMain(m *testing.M) {
	processor.HelperMain()
	os.Exit(m.Run())
}

// fakeProc is a processor made of a spec and a function.
type fakeProc struct {
	spec processor.Spec
	run  func(ctx context.Context, req processor.Request) ([]processor.Output, error)
}

func (f fakeProc) Spec() processor.Spec { return f.spec }
func (f fakeProc) Run(ctx context.Context, req processor.Request) ([]processor.Output, error) {
	return f.run(ctx, req)
}

// appender writes its input followed by its "text" parameter, counting runs.
func appender(name string, runs *atomic.Int32, fail func() error) fakeProc {
	one := 1.0
	return fakeProc{
		spec: processor.Spec{Name: name, Inputs: []string{"text/plain"}, Outputs: map[string]string{"text": "text/plain"},
			Params: map[string]processor.Param{"text": {Type: processor.TypeString, Min: &one, Default: "x"}}},
		run: func(ctx context.Context, req processor.Request) ([]processor.Output, error) {
			runs.Add(1)
			if fail != nil {
				if err := fail(); err != nil {
					return nil, err
				}
			}
			in, err := os.ReadFile(req.Input.Path)
			if err != nil {
				return nil, err
			}
			p := filepath.Join(req.Dir, "text.txt")
			req.Progress(0.5)
			if err := os.WriteFile(p, append(in, req.Params["text"].(string)...), 0o644); err != nil {
				return nil, err
			}
			return []processor.Output{{Name: "text", File: processor.File{Path: p, MIME: "text/plain"}}}, nil
		},
	}
}

func registry(t *testing.T, ps ...processor.Processor) *processor.Registry {
	t.Helper()
	reg, err := processor.NewRegistry(ps...)
	require.NoError(t, err)
	return reg
}

func textFile(t *testing.T, s string) processor.File {
	p := filepath.Join(t.TempDir(), "in.txt")
	require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	return processor.File{Path: p, MIME: "text/plain"}
}

func TestCompileErrors(t *testing.T) {
	var n atomic.Int32
	two := fakeProc{spec: processor.Spec{Name: "two", Inputs: []string{"text/plain"}, Outputs: map[string]string{"a": "text/plain", "b": "image/png"}}}
	reg := registry(t, appender("app", &n, nil), two)
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown processor", "name: f\nsteps:\n- {id: a, processor: nope}\n", "flow f: step a: unknown processor \"nope\""},
		{"unknown input", "name: f\nsteps:\n- {id: a, processor: app, input: zz}\n", "flow f: step a: input \"zz\" is not a step"},
		{"cycle", "name: f\nsteps:\n- {id: a, processor: app, input: b}\n- {id: b, processor: app, input: a}\n", "flow f: step a: its inputs form a cycle"},
		{"self", "name: f\nsteps:\n- {id: a, processor: app, input: a}\n", "flow f: step a: input is the step itself"},
		{"bad params", "name: f\nsteps:\n- {id: a, processor: app, params: {text: \"\"}}\n", "flow f: step a: text: length 0 is out of range 1..+inf"},
		{"unknown param", "name: f\nsteps:\n- {id: a, processor: app, params: {txt: y}}\n", "flow f: step a: txt: unknown parameter of app (known: text)"},
		{"duplicate id", "name: f\nsteps:\n- {id: a, processor: app}\n- {id: a, processor: app}\n", "flow f: step a: id used twice"},
		{"ambiguous input", "name: f\nsteps:\n- {id: a, processor: two}\n- {id: b, processor: app, input: a}\n", "flow f: step b: input \"a\": two has several outputs: name one (a, b)"},
		{"wrong type", "name: f\nsteps:\n- {id: a, processor: two}\n- {id: b, processor: app, input: a.b}\n", "flow f: step b: app takes text/plain, but a.b gives image/png"},
		{"unknown output", "name: f\nsteps:\n- {id: a, processor: app}\noutputs: [a.nope]\n", "flow f: outputs: \"a.nope\": app has no output \"nope\""},
		{"unknown key", "name: f\nstep: []\n", "field step not found"},
		{"no steps", "name: f\n", "flow f: 1..64 steps are needed, not 0"},
		{"bad name", "name: F G\nsteps:\n- {id: a, processor: app}\n", "flow name \"F G\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flow.Parse([]byte(tt.yaml), reg)
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "%v", err)
			require.Contains(t, easel.ErrorMessage(err), tt.want)
		})
	}
}

func TestRunResumesFromTheFailedStep(t *testing.T) {
	var firstRuns, middleRuns, lastRuns atomic.Int32
	var broken atomic.Bool
	broken.Store(true)
	middleFail := func() error {
		if broken.Load() {
			return easel.Errorf(easel.CodeInternal, "middle is down")
		}
		return nil
	}
	reg := registry(t, appender("first", &firstRuns, nil), appender("middle", &middleRuns, middleFail), appender("last", &lastRuns, nil))
	c, err := flow.Parse([]byte(`
name: three
version: 2
steps:
  - {id: a, processor: first, params: {text: A}}
  - {id: c, processor: last, input: b, params: {text: C}}
  - {id: b, processor: middle, input: a.text, params: {text: B}}
outputs: [c]
`), reg)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c"}, c.StepIDs(), "run order follows the inputs")

	runner := &flow.Runner{Registry: reg, TempDir: t.TempDir()}
	journal := flow.NewMemJournal()
	t.Cleanup(func() { journal.Close() })
	in := textFile(t, ">")

	_, err = runner.Run(context.Background(), c, in, journal, nil)
	require.Error(t, err)
	step, ok := flow.FailedStep(err)
	require.True(t, ok)
	require.Equal(t, "b", step)
	require.Equal(t, easel.CodeInternal, easel.ErrorCode(err))
	require.Equal(t, "middle is down", easel.ErrorMessage(err))
	require.Equal(t, []string{"a"}, journal.Steps())

	broken.Store(false)
	var progress []flow.Progress
	res, err := runner.Run(context.Background(), c, in, journal, func(p flow.Progress) { progress = append(progress, p) })
	require.NoError(t, err)
	t.Cleanup(func() { res.Close() })
	require.Equal(t, int32(1), firstRuns.Load(), "the first step is not redone")
	require.Equal(t, int32(2), middleRuns.Load())
	require.Equal(t, int32(1), lastRuns.Load())
	require.True(t, res.Steps[0].Resumed)
	require.False(t, res.Steps[1].Resumed)
	require.Equal(t, "three", res.Flow)
	require.Equal(t, 2, res.Version)
	require.Len(t, res.Outputs, 1)
	require.Equal(t, "c", res.Outputs[0].Step)
	data, err := os.ReadFile(res.Outputs[0].Output.File.Path)
	require.NoError(t, err)
	require.Equal(t, ">ABC", string(data))
	require.NotEmpty(t, progress)
	require.Equal(t, 1.0, progress[len(progress)-1].Overall)
	for i := 1; i < len(progress); i++ {
		require.GreaterOrEqual(t, progress[i].Overall, progress[i-1].Overall)
	}
}

func TestWithParams(t *testing.T) {
	var n atomic.Int32
	reg := registry(t, appender("app", &n, nil))
	c, err := flow.Parse([]byte("name: f\nsteps:\n- {id: a, processor: app, params: {text: A}}\n"), reg)
	require.NoError(t, err)
	c2, err := c.WithParams(reg, map[string]map[string]any{"a": {"text": "Z"}})
	require.NoError(t, err)
	res, err := (&flow.Runner{Registry: reg, TempDir: t.TempDir()}).Run(context.Background(), c2, textFile(t, ""), nil, nil)
	require.NoError(t, err)
	defer res.Close()
	data, _ := os.ReadFile(res.Outputs[0].Output.File.Path)
	require.Equal(t, "Z", string(data))

	_, err = c.WithParams(reg, map[string]map[string]any{"a": {"text": 3}})
	require.Equal(t, "flow f: step a: text: must be a string, not a number", easel.ErrorMessage(err))
	_, err = c.WithParams(reg, map[string]map[string]any{"zz": {}})
	require.Equal(t, `flow f: params: "zz" is not a step`, easel.ErrorMessage(err))
}

// TestFlowWithExternalProcessor runs the shape of flow through the
// sandbox: a manifest processor feeding a built-in one.
func TestFlowWithExternalProcessor(t *testing.T) {
	tmp, err := os.MkdirTemp("", "easel-flow-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(tmp) })
	require.NoError(t, os.Chmod(tmp, 0o711))
	sb, err := processor.NewSandbox(processor.SandboxConfig{TempDir: tmp})
	require.NoError(t, err)
	ext, err := processor.LoadDir("processor/testdata/processors", sb)
	require.NoError(t, err)
	var n atomic.Int32
	reg := registry(t, appender("app", &n, nil))
	require.NoError(t, reg.SetExternal(ext))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f.yaml"), []byte(`
name: fail-then-append
steps:
  - {id: fail, processor: fail, params: {status: 7}}
  - {id: app, processor: app, input: fail}
`), 0o644))
	flows, err := flow.LoadDir(dir, reg)
	require.NoError(t, err)
	cat, err := flow.NewCatalog(flows...)
	require.NoError(t, err)
	c, err := cat.Get("fail-then-append", 0)
	require.NoError(t, err)
	_, err = (&flow.Runner{Registry: reg, TempDir: t.TempDir()}).Run(context.Background(), c, textFile(t, "x"), nil, nil)
	step, _ := flow.FailedStep(err)
	require.Equal(t, "fail", step)
	require.Equal(t, easel.CodeInternal, easel.ErrorCode(err))
	require.True(t, strings.HasSuffix(easel.ErrorMessage(err), "the last words"), easel.ErrorMessage(err))

	_, err = cat.Get("nope", 0)
	require.True(t, easel.IsNotFound(err))
}
