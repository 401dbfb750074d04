// Package pgtest runs a PostgreSQL server for tests: Debian's initdb and
// pg_ctl (package postgresql) start a throwaway cluster on a free
// 127.0.0.1 port in a temporary directory, with its unix socket inside it,
// stopped when the test ends. When env EASEL_TEST_POSTGRES_URL names a
// server, that one is used instead. Each store of a test gets a schema of
// its own (NewSchema), so tests do not see each other's rows.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BinDir is where Debian's postgresql-15 installs its programs; env
// EASEL_POSTGRES_BIN overrides it.
const BinDir = "/usr/lib/postgresql/15/bin"

// URLEnv names an existing server to use instead of starting one.
const URLEnv = "EASEL_TEST_POSTGRES_URL"

// Server is a PostgreSQL server for a test.
type Server struct {
	t       testing.TB
	url     string // of the postgres database, as the superuser
	bin     string // empty for a server named by URLEnv
	dir     string // data directory, socket directory and log
	port    int
	asUser  []string // the command prefix that runs as the postgres OS user
	mu      sync.Mutex
	running bool
	n       int // schemas made
}

// Start starts a server, or uses the one URLEnv names. When PostgreSQL is
// not installed it skips the test, or fails it when env CI is "true".
func Start(t testing.TB) *Server {
	t.Helper()
	if u := os.Getenv(URLEnv); u != "" {
		return &Server{t: t, url: u, running: true}
	}
	bin := os.Getenv("EASEL_POSTGRES_BIN")
	if bin == "" {
		bin = BinDir
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_ctl")); err != nil {
		skipOrFail(t, "PostgreSQL not found in %s (apt-get install postgresql, or set %s): %v", bin, URLEnv, err)
	}
	dir, err := os.MkdirTemp("", "easel-pg-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	s := &Server{t: t, bin: bin, dir: dir, port: freePort(t)}
	t.Cleanup(func() { s.Stop(); _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("pgtest: running as root needs the postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		s.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	s.run("initdb", "-D", s.dataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")
	s.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	s.Start()
	return s
}

func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// run runs a PostgreSQL program as the postgres OS user.
func (s *Server) run(name string, args ...string) {
	s.t.Helper()
	argv := append(append(append([]string{}, s.asUser...), filepath.Join(s.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
		s.t.Fatalf("pgtest: %s: %v\n%s\n%s", name, err, out, log)
	}
}

// Managed reports whether the test started the server (and can stop it),
// rather than using the one URLEnv names.
func (s *Server) Managed() bool { return s.bin != "" }

// URL is the superuser's URL of the server's postgres database.
func (s *Server) URL() string { return s.url }

// Start starts the server again after Stop, on the same port and data. It
// waits until the server accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running || s.bin == "" {
		return
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "+
		"-c full_page_writes=off -c max_connections=300", s.port, s.dir)
	s.run("pg_ctl", "-D", s.dataDir(), "-l", filepath.Join(s.dir, "postgres.log"), "-o", opts, "-w", "-t", "60", "start")
	s.running = true
}

// Stop stops the server at once (pg_ctl's immediate mode: like a crash of
// the server, not of the machine: committed transactions survive).
// It is idempotent; a server named by URLEnv is left alone.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running || s.bin == "" {
		return
	}
	argv := append(append(append([]string{}, s.asUser...), filepath.Join(s.bin, "pg_ctl")), "-D", s.dataDir(), "-m", "immediate", "-w", "stop")
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		s.t.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
	}
	s.running = false
}

// NewSchema creates an empty schema and returns the server's URL with it as
// the search path: a store opened on it sees only its own tables. The
// schema is dropped when the test ends.
func (s *Server) NewSchema(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	s.n++
	name := fmt.Sprintf("t%d_%d", time.Now().UnixNano()%1e9, s.n)
	s.mu.Unlock()
	s.exec(t, "CREATE SCHEMA "+name)
	t.Cleanup(func() { s.exec(t, "DROP SCHEMA IF EXISTS "+name+" CASCADE") })
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", URLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *Server) exec(t testing.TB, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.url)
	if err != nil {
		t.Fatalf("pgtest: connect %s: %v", redact(s.url), err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil && !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(URL)"
	}
	return p.Redacted()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
