package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/easelhq/easel"
)

// SandboxConfig configures a Sandbox. The zero value is usable.
type SandboxConfig struct {
	// TempDir is where run directories are made; default os.TempDir().
	TempDir string
	// Helper is the executable that runs HelperMain; default
	// easel-sandbox next to the running executable when there is one (a
	// small static binary that starts in a fraction of easel's time), else
	// the running executable.
	Helper string
	// UID and GID run the command when easel runs as root; default 65534
	// (nobody, nogroup).
	UID, GID int
	// NoNamespaces turns the PID, mount, network, IPC and UTS namespaces
	// off even where they are available.
	NoNamespaces bool
	// MaxFileBytes caps every file the command writes; default 4 GiB.
	MaxFileBytes int64
	// StderrTail is how many trailing bytes of stderr go into an error;
	// default 2048.
	StderrTail int
	// KillGrace is how long a finished command's pipes may stay open
	// (held by a leftover process) before they are closed; default 2s.
	KillGrace time.Duration
}

// HelperBinary is the name of the small helper (cmd/easel-sandbox) the
// sandbox prefers when it lies next to the running executable.
const HelperBinary = "easel-sandbox"

// Isolation says how a sandbox isolates its commands on this machine.
type Isolation struct {
	// User: commands run as UID:GID, not as easel's user (easel is root).
	User bool `json:"user"`
	// Namespaces: new PID, mount, network, IPC and UTS namespaces; the
	// file system is read-only but for the run directory, there is no
	// network (not even loopback), and the whole process tree dies with
	// the command.
	Namespaces bool `json:"namespaces"`
	// Reason says why a part is off.
	Reason string `json:"reason,omitempty"`
}

// Sandbox runs external processors' commands.
type Sandbox struct {
	cfg    SandboxConfig
	mu     sync.Mutex
	noNS   bool   // namespaces were refused once
	reason string // why
}

// NewSandbox returns a sandbox.
func NewSandbox(cfg SandboxConfig) (*Sandbox, error) {
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.Helper == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("processor: sandbox helper: %w", err)
		}
		cfg.Helper = exe
		small := filepath.Join(filepath.Dir(exe), HelperBinary)
		if fi, err := os.Stat(small); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			cfg.Helper = small
		}
	}
	if cfg.UID == 0 && cfg.GID == 0 {
		cfg.UID, cfg.GID = 65534, 65534
	}
	if cfg.MaxFileBytes == 0 {
		cfg.MaxFileBytes = 4 << 30
	}
	if cfg.StderrTail == 0 {
		cfg.StderrTail = 2048
	}
	if cfg.KillGrace == 0 {
		cfg.KillGrace = 2 * time.Second
	}
	return &Sandbox{cfg: cfg}, nil
}

// Isolation reports how commands are isolated; it is exact once a command
// has run.
func (s *Sandbox) Isolation() Isolation {
	root := os.Geteuid() == 0
	iso := Isolation{User: root, Namespaces: root && !s.cfg.NoNamespaces}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !root:
		iso.Reason = "easel does not run as root: commands run as easel's user, without namespaces"
	case s.cfg.NoNamespaces:
		iso.Reason = "namespaces are turned off by configuration"
	case s.noNS:
		iso.Namespaces, iso.Reason = false, s.reason
	}
	return iso
}

// Run runs command for spec in a fresh directory and collects its outputs
// into req.Dir.
func (s *Sandbox) Run(ctx context.Context, spec Spec, command []string, req Request) ([]Output, error) {
	if !spec.Accepts(req.Input.MIME) {
		return nil, easel.Errorf(easel.CodeUnsupportedMedia, "%s accepts %s, not %s", spec.Name, strings.Join(spec.Inputs, ", "), req.Input.MIME)
	}
	iso := s.Isolation()
	dir, err := os.MkdirTemp(s.cfg.TempDir, "easel-run-")
	if err != nil {
		return nil, fmt.Errorf("processor: run directory: %w", err)
	}
	defer os.RemoveAll(dir)
	input := "input" + ExtOf(req.Input.MIME)
	params, err := json.Marshal(req.Params)
	if err != nil {
		return nil, fmt.Errorf("processor: params: %w", err)
	}
	if err := copyFile(req.Input.Path, filepath.Join(dir, input)); err != nil {
		return nil, fmt.Errorf("processor: staging the input: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "params.json"), params, 0o644); err != nil {
		return nil, fmt.Errorf("processor: params: %w", err)
	}
	if iso.User {
		for _, p := range []string{dir, filepath.Join(dir, input), filepath.Join(dir, "params.json")} {
			if err := os.Chown(p, s.cfg.UID, s.cfg.GID); err != nil {
				return nil, fmt.Errorf("processor: chown %q: %w", p, err)
			}
		}
	}
	env := []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + dir, "TMPDIR=" + dir, "LANG=C.UTF-8",
		"EASEL_INPUT=" + filepath.Join(dir, input),
		"EASEL_PARAMS=" + string(params),
		"EASEL_OUTPUT_DIR=" + dir,
	}
	hc := helperConfig{Dir: dir, UID: s.cfg.UID, GID: s.cfg.GID, SwitchUser: iso.User, MountNS: iso.Namespaces, Memory: spec.Memory, MaxFile: s.cfg.MaxFileBytes}
	stderr, started, waitErr := s.exec(ctx, spec.Timeout, hc, command, env, req.Progress)
	if err := classify(ctx, spec, waitErr, stderr, started); err != nil {
		return nil, err
	}
	return collect(spec, dir, req.Dir)
}

// exec runs the helper with the command and waits for it, killing its
// process group (its PID namespace, when there is one) when ctx or the
// timeout ends it, and in any case once it has exited.
func (s *Sandbox) exec(ctx context.Context, timeout time.Duration, hc helperConfig, command, env []string, progress func(float64)) (*tailBuffer, time.Time, error) {
	for {
		cfgJSON, _ := json.Marshal(hc)
		rctx, cancel := context.WithTimeout(ctx, timeout)
		cmd := exec.CommandContext(rctx, s.cfg.Helper, append([]string{helperArg, string(cfgJSON)}, command...)...)
		cmd.Args[0] = "easel-sandbox"
		cmd.Env, cmd.Dir = env, hc.Dir
		stderr := newTailBuffer(s.cfg.StderrTail)
		cmd.Stdout, cmd.Stderr = &progressWriter{report: progress}, stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if hc.MountNS {
			cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS
		}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.WaitDelay = s.cfg.KillGrace
		started := time.Now()
		err := cmd.Start()
		if err != nil && hc.MountNS && (errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSPC)) {
			cancel()
			s.mu.Lock()
			s.noNS, s.reason = true, fmt.Sprintf("namespaces refused by the kernel (%v): commands share easel's network and file system", err)
			s.mu.Unlock()
			hc.MountNS = false
			continue
		}
		if err != nil {
			cancel()
			return stderr, started, fmt.Errorf("processor: starting the sandbox: %w", err)
		}
		err = cmd.Wait()
		// Whatever the command left behind in its group goes too.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if rctx.Err() != nil && ctx.Err() == nil {
			err = context.DeadlineExceeded
		}
		cancel()
		return stderr, started, err
	}
}

// classify turns how the command ended into an error with a code.
func classify(ctx context.Context, spec Spec, err error, stderr *tailBuffer, started time.Time) error {
	if err == nil {
		return nil
	}
	tail := stderr.String()
	if ctx.Err() != nil {
		return fmt.Errorf("processor: %s: %w", spec.Name, ctx.Err())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return easel.Errorf(easel.CodeDeadlineExceeded, "processor %s did not finish within %s; killed%s", spec.Name, spec.Timeout, tailSuffix(tail))
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return easel.WrapError(easel.CodeInternal, err, "processor %s could not run", spec.Name)
	}
	ws, _ := exit.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled() && ws.Signal() == syscall.SIGXFSZ:
		return easel.Errorf(easel.CodeTooLarge, "processor %s wrote a file larger than the sandbox allows%s", spec.Name, tailSuffix(tail))
	case outOfMemory(tail):
		return easel.Errorf(easel.CodeTooLarge, "processor %s ran out of memory (cap %s)%s", spec.Name, FormatBytes(spec.Memory), tailSuffix(tail))
	case ws.Exited() && ws.ExitStatus() == helperExit && strings.Contains(tail, "easel sandbox:"):
		return easel.Errorf(easel.CodeInternal, "processor %s: the sandbox could not start it%s", spec.Name, tailSuffix(tail))
	case ws.Exited() && ws.ExitStatus() == ExitBadInput:
		return easel.Errorf(easel.CodeInvalidArgument, "processor %s rejected its input%s", spec.Name, tailSuffix(tail))
	case ws.Signaled():
		return easel.Errorf(easel.CodeInternal, "processor %s was killed by %s after %s%s", spec.Name, ws.Signal(), time.Since(started).Round(time.Millisecond), tailSuffix(tail))
	}
	return easel.Errorf(easel.CodeInternal, "processor %s exited with status %d%s", spec.Name, ws.ExitStatus(), tailSuffix(tail))
}

// ExitBadInput is the exit status (EX_DATAERR) by which a command says its
// input or parameters are bad: the task fails at once with
// invalid_argument instead of being retried.
const ExitBadInput = 65

// outOfMemory recognises the messages of allocation failures under the
// address-space cap.
func outOfMemory(stderr string) bool {
	for _, s := range []string{"MemoryError", "Cannot allocate memory", "out of memory", "Out of memory", "bad_alloc", "memory exhausted", "failed to allocate", "cannot allocate"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

func tailSuffix(tail string) string {
	tail = strings.TrimSpace(tail)
	if tail == "" {
		return ""
	}
	return ": " + tail
}

// FormatBytes writes a size in the largest binary unit that divides it.
func FormatBytes(n int64) string {
	for _, u := range []struct {
		s string
		n int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.n && n%u.n == 0 {
			return fmt.Sprintf("%d%s", n/u.n, u.s)
		}
	}
	return fmt.Sprintf("%dB", n)
}

// Probe runs /bin/true through the sandbox once: it checks that the helper
// starts (the binary calls HelperMain) and settles Isolation. Call it at
// start-up and report Isolation in /readyz.
func (s *Sandbox) Probe(ctx context.Context) error {
	dir, err := os.MkdirTemp(s.cfg.TempDir, "easel-probe-")
	if err != nil {
		return fmt.Errorf("processor: sandbox probe: %w", err)
	}
	defer os.RemoveAll(dir)
	iso := s.Isolation()
	if iso.User {
		if err := os.Chown(dir, s.cfg.UID, s.cfg.GID); err != nil {
			return fmt.Errorf("processor: sandbox probe: %w", err)
		}
	}
	hc := helperConfig{Dir: dir, UID: s.cfg.UID, GID: s.cfg.GID, SwitchUser: iso.User, MountNS: iso.Namespaces, Memory: MinMemory * 4, MaxFile: s.cfg.MaxFileBytes}
	stderr, _, err := s.exec(ctx, 30*time.Second, hc, []string{"true"}, []string{"PATH=/usr/local/bin:/usr/bin:/bin"}, nil)
	if err != nil {
		return fmt.Errorf("processor: the sandbox helper %s does not work (does main call processor.HelperMain first?): %v: %s", s.cfg.Helper, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
