package console_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// server is a running `easel serve` process, built from this repository.
type server struct {
	base   string // http://127.0.0.1:port
	apiKey string
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "easel-console-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "easel")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/easel").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// startServer runs `easel serve` on a new data dir and a free port and
// returns once it listens; t.Cleanup kills it.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	cmd := exec.Command(buildBinary(t), "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	vision, err := filepath.Abs(filepath.Join("..", "..", "third_party", "vision"))
	require.NoError(t, err)
	// easel refuses EASEL_ variables it does not know: keep the tests' own out.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "EASEL_TEST") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "EASEL_VISION_DIR="+vision)
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
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
	s := &server{}
	deadline := time.After(60 * time.Second)
	for s.base == "" {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "server exited before listening")
			if strings.HasPrefix(line, "ek_") {
				s.apiKey = line
			}
			if rest, ok := strings.CutPrefix(line, "easel listening on "); ok {
				s.base = strings.Fields(rest)[0]
			}
		case <-deadline:
			t.Fatal("server did not start within 60 s")
		}
	}
	go func() {
		for range lines {
		}
	}()
	require.NotEmpty(t, s.apiKey, "serve prints the API key on first start")
	if !strings.HasPrefix(s.base, "http") {
		s.base = "http://" + s.base
	}
	return s
}
