package processor_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/flow/processor"
)

// cpuTime is the user+system time of this process and its waited-for
// children so far. On a loaded machine it is steadier than wall time.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

// BenchmarkSandboxOverhead compares a run of the copy processor through
// the sandbox (staging, helper, namespaces, user switch, collection) with
// the same command run directly in a prepared directory; the difference is
// the sandbox's overhead per call. Besides wall time it reports the CPU
// time per call (cpu-ms/op), steadier on a shared machine.
func BenchmarkSandboxOverhead(b *testing.B) {
	t := &testing.T{}
	bd := setup(t, processor.SandboxConfig{})
	b.Run("direct", func(b *testing.B) {
		dir := b.TempDir()
		require.NoError(b, os.WriteFile(filepath.Join(dir, "params.json"), []byte(`{}`), 0o644))
		cpu := cpuTime()
		for b.Loop() {
			cmd := exec.Command("cp", "params.json", "out.json")
			cmd.Dir = dir
			cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
			require.NoError(b, cmd.Run())
			require.NoError(b, os.Remove(filepath.Join(dir, "out.json")))
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	})
	cases := []struct {
		name string
		cfg  processor.SandboxConfig
	}{{"sandbox", processor.SandboxConfig{}}, {"sandbox-no-namespaces", processor.SandboxConfig{NoNamespaces: true}}}
	// EASEL_BENCH_HELPERS=/path/easel:/path/easel-sandbox adds a run per
	// helper binary (the cgo easel binary, the small static easel-sandbox).
	for _, h := range filepath.SplitList(os.Getenv("EASEL_BENCH_HELPERS")) {
		if h != "" {
			cases = append(cases, struct {
				name string
				cfg  processor.SandboxConfig
			}{"sandbox-helper-" + filepath.Base(h), processor.SandboxConfig{Helper: h}})
		}
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bd := setup(t, c.cfg)
			p, _ := bd.reg.Get("copy")
			out := b.TempDir()
			cpu := cpuTime()
			for b.Loop() {
				outs, err := p.Run(context.Background(), processor.Request{Input: bd.text, Params: processor.Values{}, Dir: out})
				require.NoError(b, err)
				require.NoError(b, os.Remove(outs[0].File.Path))
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
	_ = bd
}
