package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// peer is a running server under test: its base URL and its process tree.
type peer struct {
	name string
	base string
	tree procTree
	stop func()
}

// startSharp runs internal/bench/sharp/server.js with node over the
// originals in dir, with sharp from the node_modules folder modules.
func startSharp(modules, dir string) (*peer, string, error) {
	script, err := filepath.Abs("internal/bench/sharp/server.js")
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(*nodeBin, script, dir, "0")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "NODE_ENV=production")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("node: %w (run `make deps-bench`)", err)
	}
	line, err := waitLine(stdout, "sharp listening on ", 30*time.Second)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, "", fmt.Errorf("sharp server: %w", err)
	}
	go io.Copy(io.Discard, stdout)
	f := strings.Fields(line)
	version := strings.Join(f[1:], " ")
	return &peer{name: "sharp", base: "http://" + f[0], tree: procTree{cmd.Process.Pid}, stop: func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}}, version, nil
}

// startNginx serves the files of root on a free loopback port with Debian's
// nginx: one master, a worker per core, sendfile, no access log.
func startNginx(root string) (*peer, error) {
	prefix, err := os.MkdirTemp("", "easel-bench-nginx")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`daemon off;
master_process on;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { image/jpeg jpg; }
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server { listen 127.0.0.1:%[2]d; root %[3]s; }
}
`, prefix, port, root)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("nginx", "-p", prefix, "-c", confPath, "-e", filepath.Join(prefix, "error.log"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("nginx: %w (run `make deps-bench`)", err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			b, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			return nil, fmt.Errorf("nginx did not start: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &peer{name: "nginx", base: base, tree: procTree{cmd.Process.Pid}, stop: func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		os.RemoveAll(prefix)
	}}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitLine reads lines until one starts with prefix and returns the rest.
func waitLine(r io.Reader, prefix string, timeout time.Duration) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				found <- rest
				return
			}
		}
		close(found)
	}()
	select {
	case line, ok := <-found:
		if !ok {
			return "", fmt.Errorf("exited before printing %q", prefix)
		}
		return line, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no %q within %s", prefix, timeout)
	}
}

// easelPeer wraps an easel server as a peer.
func easelPeer(s *server) *peer {
	return &peer{name: "easel", base: s.base, tree: procTree{s.cmd.Process.Pid}, stop: s.stop}
}

// levels returns the number of pyramid levels GET /v1/assets/{id} lists (0
// while there are none, or when the server does not make them).
func (s *server) levels(id string) (int, error) {
	req, _ := http.NewRequest("GET", s.base+"/v1/assets/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("GET asset %s: %d: %w", id, resp.StatusCode, err)
	}
	var levels []json.RawMessage
	if raw, ok := body["levels"]; ok {
		if err := json.Unmarshal(raw, &levels); err != nil {
			return 0, fmt.Errorf("GET asset %s: levels: %w", id, err)
		}
	}
	return len(levels), nil
}

// waitLevels polls until every asset lists levels; it reports false when
// one has none after timeout.
func (s *server) waitLevels(ids []string, timeout time.Duration) (bool, time.Duration, error) {
	start := time.Now()
	for _, id := range ids {
		for {
			n, err := s.levels(id)
			if err != nil {
				return false, 0, err
			}
			if n > 0 {
				break
			}
			if time.Since(start) > timeout {
				return false, 0, nil
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	return true, time.Since(start), nil
}
