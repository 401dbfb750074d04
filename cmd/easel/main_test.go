package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp"

	"github.com/easelhq/easel/internal/testimages"
)

// server is a running `easel serve` process.
type server struct {
	cmd    *exec.Cmd
	base   string
	apiKey string
	data   string
	bin    string
	stderr *bytes.Buffer
	done   chan error
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary builds cmd/easel once per test run.
func buildBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "easel-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "easel")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// startServer runs `easel serve` on a new data dir and a free port.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	s := startRole(t, "serve", t.TempDir(), env...)
	require.NotEmpty(t, s.apiKey, "serve prints the API key on first start")
	return s
}

// startRole runs `easel <role>` (serve, api or worker) on the data dir and
// returns once it listens (or, for a worker, consumes).
func startRole(t testing.TB, role, data string, env ...string) *server {
	t.Helper()
	bin := buildBinary(t)
	args := []string{role, "--data", data}
	if role != "worker" && !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "EASEL_ADDR=") }) {
		args = append(args, "--addr", "127.0.0.1:0")
	}
	cmd := exec.Command(bin, args...)
	// The face model lives in the repository's third_party/vision (make
	// vision-deps); the relative default would resolve from cmd/easel.
	vision, err := filepath.Abs(filepath.Join("..", "..", "third_party", "vision"))
	require.NoError(t, err)
	cmd.Env = append(append(os.Environ(), "EASEL_VISION_DIR="+vision), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s := &server{cmd: cmd, data: data, bin: bin, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	require.NoError(t, cmd.Start())
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.stderr.String())
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
	deadline := time.After(30 * time.Second)
	started := false
	for !started {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "server exited before listening: %s", s.stderr.String())
			if strings.HasPrefix(line, "ek_") {
				s.apiKey = line
			}
			if rest, ok := strings.CutPrefix(line, "easel listening on "); ok {
				s.base = strings.Fields(rest)[0]
				started = true
			}
			if strings.HasPrefix(line, "easel worker running") {
				started = true
			}
		case <-deadline:
			t.Fatalf("server did not start: %s", s.stderr.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	return s
}

func (s *server) easel(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(s.bin, args...).CombinedOutput()
	require.NoError(t, err, "easel %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// upload uploads a file as multipart field "file".
func (s *server) upload(t testing.TB, path string) (int, map[string]any) {
	t.Helper()
	return s.uploadWith(t, path, "")
}

func (s *server) get(t testing.TB, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// peakRSS is the process's high-water resident set in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("VmHWM not found")
	return 0
}

func TestServeUploadSignFetchShutdown(t *testing.T) {
	photo := testimages.Path(t, "photos/mate_Wood.jpg")
	s := startServer(t)

	status, asset := s.upload(t, photo)
	require.Equal(t, http.StatusCreated, status, "%v", asset)
	id := asset["id"].(string)
	require.Equal(t, "jpeg", asset["format"])
	require.EqualValues(t, 2560, asset["width"])
	require.EqualValues(t, 1920, asset["height"])
	require.Len(t, asset["sha256"], 64)
	require.NotEmpty(t, asset["exif"], "the photo carries EXIF (camera make and model)")

	path := s.easel(t, "url", "sign", "--data", s.data, id, "w_300,h_300,c_fill,g_smart,f_webp")
	require.True(t, strings.HasPrefix(path, "/i/"), path)
	require.True(t, strings.HasSuffix(path, "/w_300,h_300,c_fill,g_smart,f_webp/"+id), path)

	resp, body := s.get(t, path)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, "image/webp", resp.Header.Get("Content-Type"))
	require.Equal(t, strconv.Itoa(len(body)), resp.Header.Get("Content-Length"))
	require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	require.NoError(t, err)
	require.Equal(t, "webp", format)
	require.Equal(t, 300, cfg.Width)
	require.Equal(t, 300, cfg.Height)

	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	resp, _ = s.get(t, path, "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)

	tampered := strings.Replace(path, "w_300", "w_301", 1)
	resp, body = s.get(t, tampered)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, string(body))
	require.Contains(t, string(body), `"code":"permission_denied"`)

	resp, _ = s.get(t, "/readyz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body = s.get(t, "/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `easel_http_requests_total{method="GET",route="GET /i/",status="200"}`)

	// SIGTERM: the server stops accepting, finishes, and exits 0.
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-s.done:
		require.NoError(t, err, "exit after SIGTERM")
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop within 20 s of SIGTERM")
	}
}

// TestHostileUploads sends every file of the hostile corpus: each is refused
// with a clean 4xx or stored and rendered; the server stays up and lean.
func TestHostileUploads(t *testing.T) {
	dir := filepath.Join(testimages.Dir(t), "hostile")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	s := startServer(t)
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			status, body := s.upload(t, filepath.Join(dir, e.Name()))
			if status != http.StatusCreated {
				t.Logf("upload refused: %d %v", status, body["error"])
				require.True(t, status >= 400 && status < 500, "upload: want 201 or 4xx, got %d %v", status, body)
				errObj, _ := body["error"].(map[string]any)
				require.NotEmpty(t, errObj["code"], "error body has a code: %v", body)
				require.NotContains(t, fmt.Sprint(errObj["message"]), "/", "no path leaks: %v", body)
				return
			}
			id := body["id"].(string)
			path := s.easel(t, "url", "sign", "--data", s.data, id, "w_200,f_jpeg")
			resp, out := s.get(t, path)
			t.Logf("stored as %v %vx%v; render: %d", body["format"], body["width"], body["height"], resp.StatusCode)
			if resp.StatusCode == http.StatusOK {
				cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
				require.NoError(t, err)
				require.Equal(t, "jpeg", format)
				require.LessOrEqual(t, cfg.Width, 200)
				return
			}
			require.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "render: want 200 or 4xx, got %d %s", resp.StatusCode, out)
		})
	}
	resp, _ := s.get(t, "/healthz")
	require.Equal(t, http.StatusOK, resp.StatusCode, "the server is still up")
	rss := peakRSS(t, s.cmd.Process.Pid)
	t.Logf("peak RSS after the hostile corpus: %d MiB", rss>>20)
	require.Less(t, rss, int64(1<<30), "peak RSS stays under 1 GiB")
}
