package processor

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// helperArg is os.Args[1] of the sandbox helper.
const helperArg = "easel-sandbox-helper"

// helperExit is the helper's exit status when it could not set up the
// sandbox.
const helperExit = 125

// helperConfig is what the sandbox tells its helper, as os.Args[2].
type helperConfig struct {
	Dir        string `json:"dir"`
	UID        int    `json:"uid"`
	GID        int    `json:"gid"`
	SwitchUser bool   `json:"switch_user"`
	MountNS    bool   `json:"mount_ns"`
	Memory     int64  `json:"memory"`
	MaxFile    int64  `json:"max_file"`
}

// HelperMain runs the sandbox helper when the process was started as one,
// and never returns then; otherwise it returns at once. Every binary that
// runs external processors calls it first thing in main (and test binaries
// in TestMain): the sandbox re-executes the binary itself as the helper,
// which, inside the new namespaces, makes the file system read-only except
// for the run's directory, mounts a private /proc, caps the address space,
// drops to the unprivileged user and executes the processor's command.
func HelperMain() {
	if len(os.Args) < 4 || os.Args[1] != helperArg {
		return
	}
	var cfg helperConfig
	err := json.Unmarshal([]byte(os.Args[2]), &cfg)
	if err == nil {
		err = runHelper(cfg, os.Args[3:])
	}
	fmt.Fprintf(os.Stderr, "easel sandbox: %v\n", err)
	os.Exit(helperExit)
}

// runHelper sets the sandbox up and executes argv; it returns only on error.
func runHelper(cfg helperConfig, argv []string) error {
	if cfg.MountNS {
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("making mounts private: %w", err)
		}
		ro := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID}
		if err := unix.MountSetattr(unix.AT_FDCWD, "/", unix.AT_RECURSIVE, ro); err != nil {
			return fmt.Errorf("making the file system read-only: %w", err)
		}
		if err := unix.Mount(cfg.Dir, cfg.Dir, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("binding the run directory: %w", err)
		}
		rw := &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY, Attr_set: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
		if err := unix.MountSetattr(unix.AT_FDCWD, cfg.Dir, 0, rw); err != nil {
			return fmt.Errorf("making the run directory writable: %w", err)
		}
		// A /proc of the new PID namespace: the host's processes are not
		// visible. Best effort: without it the old /proc stays, read-only.
		_ = unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	}
	if cfg.SwitchUser {
		// syscall's Setgroups, Setgid and Setuid change every thread.
		if err := syscall.Setgroups(nil); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setgid(cfg.GID); err != nil {
			return fmt.Errorf("setgid: %w", err)
		}
		if err := syscall.Setuid(cfg.UID); err != nil {
			return fmt.Errorf("setuid: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	// Changing credentials cleared the parent-death signal: set it again.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("pdeathsig: %w", err)
	}
	if err := os.Chdir(cfg.Dir); err != nil {
		return err
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("command %q: %w", argv[0], err)
	}
	// The limits come last: the helper's own runtime must not hit them.
	limits := []struct {
		res int
		n   int64
	}{{unix.RLIMIT_CORE, 0}, {unix.RLIMIT_AS, cfg.Memory}, {unix.RLIMIT_FSIZE, cfg.MaxFile}}
	for _, l := range limits {
		if l.n <= 0 && l.res != unix.RLIMIT_CORE {
			continue
		}
		if err := unix.Setrlimit(l.res, &unix.Rlimit{Cur: uint64(l.n), Max: uint64(l.n)}); err != nil {
			return fmt.Errorf("setrlimit %d: %w", l.res, err)
		}
	}
	return fmt.Errorf("exec %q: %w", path, syscall.Exec(path, argv, os.Environ()))
}
