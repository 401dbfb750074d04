// Package testserve runs a real `easel serve` for tests: it builds cmd/easel
// once per test binary, starts it on a new data directory and a free
// loopback port, waits until it listens, and kills it when the test ends.
// The SDK's and the web console's tests share it.
package testserve

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running `easel serve`.
type Server struct {
	Base   string // http://127.0.0.1:port
	APIKey string // the key serve printed on its first start
	Data   string // its data directory
}

// Options change how the server starts.
type Options struct {
	// Env is added to the process's environment (EASEL_… settings).
	Env []string
	// Data is the data directory; empty is a new temporary one.
	Data string
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// root is the repository's root directory.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Binary builds cmd/easel once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "easel-testserve")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "easel")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/easel")
		cmd.Dir = root()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Start runs `easel serve` and returns once it listens; t.Cleanup kills it
// (and logs its stderr when the test failed).
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{Data: opts.Data}
	if s.Data == "" {
		s.Data = t.TempDir()
	}
	cmd := exec.Command(Binary(t), "serve", "--data", s.Data, "--addr", "127.0.0.1:0")
	// easel refuses EASEL_ variables it does not know: keep the tests' own out.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "EASEL_TEST") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "EASEL_VISION_DIR="+filepath.Join(root(), "third_party", "vision"))
	cmd.Env = append(cmd.Env, opts.Env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
	for s.Base == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("easel serve exited before listening: %s", stderr.String())
			}
			if strings.HasPrefix(line, "ek_") {
				s.APIKey = line
			}
			if rest, ok := strings.CutPrefix(line, "easel listening on "); ok {
				s.Base = strings.Fields(rest)[0]
			}
		case <-deadline:
			t.Fatalf("easel serve did not start within 60 s: %s", stderr.String())
		}
	}
	go func() { // keep reading, so that the server never blocks on stdout
		for range lines {
		}
	}()
	if s.APIKey == "" {
		t.Fatal("easel serve prints the API key on first start; it printed none")
	}
	if !strings.HasPrefix(s.Base, "http") {
		s.Base = "http://" + s.Base
	}
	return s
}
