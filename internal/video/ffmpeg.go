package video

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/easelhq/easel"
)

// Tools locates ffmpeg and ffprobe. The zero value finds them on PATH.
type Tools struct {
	FFmpeg  string // default "ffmpeg"
	FFprobe string // default "ffprobe"
	// Threads caps ffmpeg's threads per run; 0 lets ffmpeg choose.
	Threads int
	// FontFile is the font of text watermarks; default DejaVu Sans where
	// Debian puts it (fonts-dejavu-core), else fontconfig's "Sans".
	FontFile string
}

func (t Tools) ffmpeg() string {
	if t.FFmpeg == "" {
		return "ffmpeg"
	}
	return t.FFmpeg
}

func (t Tools) ffprobe() string {
	if t.FFprobe == "" {
		return "ffprobe"
	}
	return t.FFprobe
}

// Available reports whether ffmpeg and ffprobe can be found.
func (t Tools) Available() error {
	for _, p := range []string{t.ffmpeg(), t.ffprobe()} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("video: %s not found: %w", p, err)
		}
	}
	return nil
}

// command returns a command that runs in its own process group, killed
// whole when ctx ends.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// Run runs ffmpeg with args (inputs, filters, outputs), reporting progress
// as the fraction of duration (seconds of output expected) done. Errors
// carry the tail of ffmpeg's log.
func (t Tools) Run(ctx context.Context, args []string, duration float64, progress func(float64)) error {
	full := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"}
	if t.Threads > 0 {
		full = append(full, "-threads", strconv.Itoa(t.Threads))
	}
	full = append(full, args...)
	if progress != nil {
		full = append([]string{"-progress", "pipe:1"}, full...)
	}
	cmd := command(ctx, t.ffmpeg(), full...)
	stderr := &tail{n: 2048}
	cmd.Stderr = stderr
	var wg sync.WaitGroup
	if progress != nil {
		out, err := cmd.StdoutPipe()
		if err != nil {
			return fmt.Errorf("video: ffmpeg: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			readProgress(out, duration, progress)
		}()
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("video: starting ffmpeg: %w", err)
	}
	wg.Wait()
	err := cmd.Wait()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("video: ffmpeg: %w", ctx.Err())
	}
	return easel.WrapError(easel.CodeInternal, err, "ffmpeg failed: %s", strings.TrimSpace(stderr.String()))
}

// readProgress parses ffmpeg's -progress key=value blocks.
func readProgress(r io.Reader, duration float64, progress func(float64)) {
	sc := bufio.NewScanner(r)
	last := -1.0
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		var f float64
		switch k {
		case "out_time_us", "out_time_ms": // both are microseconds
			us, err := strconv.ParseFloat(v, 64)
			if err != nil || duration <= 0 {
				continue
			}
			f = min(max(us/1e6/duration, 0), 1)
		case "progress":
			if v != "end" {
				continue
			}
			f = 1
		default:
			continue
		}
		if f > last {
			last = f
			progress(f)
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// tail keeps the last n bytes written.
type tail struct {
	mu  sync.Mutex
	n   int
	buf []byte
}

// Write implements io.Writer; it never fails.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.n {
		t.buf = t.buf[len(t.buf)-t.n:]
	}
	return len(p), nil
}

// String returns the kept bytes as valid UTF-8.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ToValidUTF8(string(t.buf), "")
}

// errBadInput marks input ffprobe cannot read.
var errBadInput = errors.New("not a readable video")
