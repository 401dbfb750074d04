package processor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

type bundle struct {
	sb   *processor.Sandbox
	reg  *processor.Registry
	tmp  string // the sandbox's TempDir
	png  processor.File
	text processor.File
}

func setup(t *testing.T, cfg processor.SandboxConfig) bundle {
	t.Helper()
	tmp, err := os.MkdirTemp("", "easel-sandbox-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(tmp) })
	require.NoError(t, os.Chmod(tmp, 0o711)) // the sandbox user must reach its run directory
	cfg.TempDir = tmp
	sb, err := processor.NewSandbox(cfg)
	require.NoError(t, err)
	ps, err := processor.LoadDir("testdata/processors", sb)
	require.NoError(t, err)
	reg, err := processor.NewRegistry()
	require.NoError(t, err)
	require.NoError(t, reg.SetExternal(ps))

	in := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 24, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 24; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 10), uint8(y * 15), 128, 255})
		}
	}
	f, err := os.Create(filepath.Join(in, "in.png"))
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(filepath.Join(in, "in.txt"), []byte("hello\n"), 0o644))
	return bundle{sb: sb, reg: reg, tmp: tmp,
		png:  processor.File{Path: filepath.Join(in, "in.png"), MIME: "image/png"},
		text: processor.File{Path: filepath.Join(in, "in.txt"), MIME: "text/plain"}}
}

// run validates params and runs the named processor.
func (b bundle) run(t *testing.T, ctx context.Context, name string, in processor.File, raw map[string]any) ([]processor.Output, error) {
	t.Helper()
	p, ok := b.reg.Get(name)
	require.True(t, ok, name)
	vals, err := p.Spec().Validate(raw)
	require.NoError(t, err)
	return p.Run(ctx, processor.Request{Input: in, Params: vals, Dir: t.TempDir()})
}

func requireRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the sandbox isolation tests need root (CI runs as root)")
		}
		t.Skip("not root: the sandbox cannot switch users or make namespaces")
	}
}

func TestShellProcessor(t *testing.T) {
	b := setup(t, processor.SandboxConfig{})
	p, _ := b.reg.Get("stamp")
	vals, err := p.Spec().Validate(map[string]any{"label": "x", "copies": 2.0})
	require.NoError(t, err)
	var progress []float64
	outs, err := p.Run(context.Background(), processor.Request{Input: b.png, Params: vals, Dir: t.TempDir(),
		Progress: func(f float64) { progress = append(progress, f) }})
	require.NoError(t, err)
	require.Equal(t, []float64{0.5, 1}, progress, "progress: lines of stdout")
	require.Len(t, outs, 2)
	require.Equal(t, "image", outs[0].Name)
	require.Equal(t, "image/png", outs[0].File.MIME)
	require.Equal(t, ".png", filepath.Ext(outs[0].File.Path))
	want, _ := os.ReadFile(b.png.Path)
	got, _ := os.ReadFile(outs[0].File.Path)
	require.Equal(t, want, got)

	require.Equal(t, "info", outs[1].Name)
	require.Equal(t, "application/json", outs[1].File.MIME)
	var info struct {
		Params  map[string]any `json:"params"`
		Cwd     string         `json:"cwd"`
		Input   string         `json:"input"`
		UID     int            `json:"uid"`
		EnvHome string         `json:"env_home"`
	}
	data, _ := os.ReadFile(outs[1].File.Path)
	require.NoError(t, json.Unmarshal(data, &info), string(data))
	require.Equal(t, map[string]any{"label": "x", "copies": 2.0, "mode": "fast"}, info.Params)
	require.Equal(t, filepath.Join(info.Cwd, "input.png"), info.Input)
	require.Equal(t, info.Cwd, info.EnvHome)
	require.Equal(t, b.tmp, filepath.Dir(info.Cwd))
	if os.Geteuid() == 0 {
		require.Equal(t, 65534, info.UID, "runs as nobody")
	}
	entries, _ := os.ReadDir(b.tmp)
	require.Empty(t, entries, "the run directory is removed")
}

func TestPythonProcessor(t *testing.T) {
	b := setup(t, processor.SandboxConfig{})
	for _, tone := range []string{"warm", "cold"} {
		t.Run(tone, func(t *testing.T) {
			outs, err := b.run(t, context.Background(), "vintage", b.png, map[string]any{"strength": 100, "tone": tone})
			require.NoError(t, err)
			require.Len(t, outs, 1)
			f, err := os.Open(outs[0].File.Path)
			require.NoError(t, err)
			defer f.Close()
			img, err := png.Decode(f)
			require.NoError(t, err)
			require.Equal(t, image.Rect(0, 0, 24, 16), img.Bounds())
			r, _, bl, _ := img.At(0, 0).RGBA()
			if tone == "warm" {
				require.Greater(t, r>>8, bl>>8, "warm: more red than blue")
			} else {
				require.Greater(t, bl>>8, r>>8, "cold: more blue than red")
			}
		})
	}
	_, err := b.run(t, context.Background(), "vintage", b.text, map[string]any{})
	require.Equal(t, easel.CodeUnsupportedMedia, easel.ErrorCode(err), "%v", err)
}

func TestFailureCarriesStderrTail(t *testing.T) {
	b := setup(t, processor.SandboxConfig{})
	tests := []struct {
		name   string
		status int
		code   easel.Code
	}{
		{"crash is retried", 3, easel.CodeInternal},
		{"bad input is permanent", processor.ExitBadInput, easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.run(t, context.Background(), "fail", b.text, map[string]any{"status": tt.status})
			require.Error(t, err)
			require.Equal(t, tt.code, easel.ErrorCode(err))
			msg := easel.ErrorMessage(err)
			require.Contains(t, msg, "the last words")
			require.NotContains(t, msg, "noise line 1\n", "only the tail")
			require.Less(t, len(msg), 2300)
		})
	}
}

// leftovers lists the processes whose command line holds the marker.
func leftovers(t *testing.T, marker string) []string {
	t.Helper()
	var found []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && strings.Contains(string(cmd), marker) {
			found = append(found, filepath.Base(d)+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return found
}

func TestTimeoutLeavesNoProcess(t *testing.T) {
	tests := []struct {
		name   string
		cfg    processor.SandboxConfig
		escape bool // the grandchild calls setsid: only a PID namespace catches it
		root   bool
	}{
		{name: "process group", cfg: processor.SandboxConfig{NoNamespaces: true}},
		{name: "pid namespace", escape: true, root: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				requireRoot(t)
			}
			b := setup(t, tt.cfg)
			marker := fmt.Sprintf("easelmark%d", time.Now().UnixNano())
			start := time.Now()
			_, err := b.run(t, context.Background(), "sleeper", b.text, map[string]any{"marker": marker, "escape": tt.escape})
			require.Equal(t, easel.CodeDeadlineExceeded, easel.ErrorCode(err), "%v", err)
			require.Less(t, time.Since(start), 5*time.Second)
			require.Eventually(t, func() bool { return len(leftovers(t, marker)) == 0 }, 3*time.Second, 50*time.Millisecond,
				"left behind: %v", leftovers(t, marker))
		})
	}
}

func TestMemoryCap(t *testing.T) {
	b := setup(t, processor.SandboxConfig{})
	_, err := b.run(t, context.Background(), "hog", b.text, map[string]any{"mib": 256})
	require.Equal(t, easel.CodeTooLarge, easel.ErrorCode(err), "%v", err)
	require.Contains(t, easel.ErrorMessage(err), "ran out of memory (cap 64MiB)")

	outs, err := b.run(t, context.Background(), "hog", b.text, map[string]any{"mib": 8})
	require.NoError(t, err, "under the cap it works")
	require.Len(t, outs, 1)
}

type escapeReport struct {
	Wrote        []string          `json:"wrote"`
	WriteErrors  map[string]string `json:"write_errors"`
	Connected    bool              `json:"connected"`
	ConnectError string            `json:"connect_error"`
}

func TestIsolation(t *testing.T) {
	requireRoot(t)
	b := setup(t, processor.SandboxConfig{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	here, _ := filepath.Abs("testdata/processors")
	targets := []string{
		filepath.Join(os.TempDir(), fmt.Sprintf("easel-escape-%d", time.Now().UnixNano())), // world-writable /tmp
		filepath.Join(here, "escaped.txt"),                                                 // next to the manifest
		filepath.Join(b.tmp, "escaped.txt"),                                                // beside the run directory
		"/dev/shm/easel-escape",
	}
	params := map[string]any{"port": port, "targets": strings.Join(targets, ":")}

	// Control: run directly, as root, the same script escapes. The test
	// would catch a sandbox that did nothing.
	direct := exec.Command("python3", filepath.Join(here, "escape.py"))
	direct.Dir = t.TempDir()
	pj, _ := json.Marshal(params)
	direct.Env = append(os.Environ(), "EASEL_PARAMS="+string(pj))
	require.NoError(t, direct.Run())
	var ctl escapeReport
	data, _ := os.ReadFile(filepath.Join(direct.Dir, "report.json"))
	require.NoError(t, json.Unmarshal(data, &ctl))
	require.True(t, ctl.Connected, "control run connects")
	require.Len(t, ctl.Wrote, len(targets), "control run writes everywhere: %v", ctl.WriteErrors)
	for _, p := range targets {
		os.Remove(p)
	}

	outs, err := b.run(t, context.Background(), "escape", b.text, params)
	require.NoError(t, err)
	var rep escapeReport
	data, _ = os.ReadFile(outs[0].File.Path)
	require.NoError(t, json.Unmarshal(data, &rep))
	require.Empty(t, rep.Wrote, "errors: %v", rep.WriteErrors)
	require.False(t, rep.Connected)
	require.NotEmpty(t, rep.ConnectError)
	for _, p := range targets {
		_, err := os.Stat(p)
		require.True(t, os.IsNotExist(err), "%s exists", p)
	}
	require.Equal(t, processor.Isolation{User: true, Namespaces: true}, b.sb.Isolation())
}

func TestProbe(t *testing.T) {
	b := setup(t, processor.SandboxConfig{})
	require.NoError(t, b.sb.Probe(context.Background()))
	bad, err := processor.NewSandbox(processor.SandboxConfig{TempDir: b.tmp, Helper: "/bin/false"})
	require.NoError(t, err)
	require.ErrorContains(t, bad.Probe(context.Background()), "does main call processor.HelperMain first?")
}
