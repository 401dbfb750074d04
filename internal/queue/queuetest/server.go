package queuetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// ServerBinary is where Debian's nats-server package installs the server;
// env EASEL_NATS_SERVER overrides it.
const ServerBinary = "/usr/sbin/nats-server"

// Server is a nats-server process with JetStream, listening on 127.0.0.1
// on a port and store directory that stay the same across Stop and Start.
// It is stopped at the end of the test.
type Server struct {
	t        testing.TB
	bin      string
	port     int
	storeDir string
	logDir   string

	mu  sync.Mutex
	cmd *exec.Cmd
	out *os.File
}

// StartServer starts a nats-server process. When the binary is missing it
// skips the test, or fails it when env CI is "true".
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("EASEL_NATS_SERVER")
	if bin == "" {
		bin = ServerBinary
	}
	if _, err := os.Stat(bin); err != nil {
		if p, lerr := exec.LookPath("nats-server"); lerr == nil {
			bin = p
		} else {
			SkipOrFail(t, "nats-server not found at %s (apt-get install nats-server): %v", bin, err)
		}
	}
	s := &Server{t: t, bin: bin, port: freePort(t), storeDir: t.TempDir(), logDir: t.TempDir()}
	t.Cleanup(s.Stop)
	s.Start()
	return s
}

// SkipOrFail skips the test, or fails it when env CI is "true": a test
// that needs a server must not pass silently in CI.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// URL is the client URL of the server.
func (s *Server) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(s.port) }

// StoreDir is the JetStream store directory.
func (s *Server) StoreDir() string { return s.storeDir }

// Start starts the server (again) on the same port and store directory and
// waits until it accepts connections. It is a no-op while it runs.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	out, err := os.OpenFile(filepath.Join(s.logDir, "nats-server.log"),
		os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatalf("nats-server log: %v", err)
	}
	cmd := exec.Command(s.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-js", "-sd", s.storeDir)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		s.t.Fatalf("start nats-server: %v", err)
	}
	s.cmd, s.out = cmd, out
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("nats-server on port %d not ready: %v (log in %s)", s.port, err, out.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server and waits for it to exit. It is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.out.Close()
	s.cmd, s.out = nil, nil
}

// WipeStore deletes the JetStream store of a stopped server, so that the
// next Start begins with no streams, like a fresh server.
func (s *Server) WipeStore() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("WipeStore: server is running")
	}
	if err := os.RemoveAll(s.storeDir); err != nil {
		s.t.Fatalf("wipe store: %v", err)
	}
	if err := os.MkdirAll(s.storeDir, 0o755); err != nil {
		s.t.Fatalf("wipe store: %v", err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// String names the server for test logs.
func (s *Server) String() string {
	return fmt.Sprintf("nats-server %s (store %s)", s.URL(), s.storeDir)
}
