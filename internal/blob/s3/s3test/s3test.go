// Package s3test starts a real S3 server for tests: versitygw with its posix
// backend on a temporary directory, listening on a free 127.0.0.1 port,
// killed when the test ends. Fault tests stop and restart it.
//
// The binary is found through $EASEL_TEST_VERSITYGW, then PATH, then
// $(go env GOPATH)/bin; `make versitygw` installs it there. When it is
// missing the test is skipped, except under CI=true, where it fails.
package s3test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests are written against.
const Version = "v1.8.0"

// VirtualDomain is the base domain of virtual-host addressing: the server
// takes the bucket from a Host of the form <bucket>.VirtualDomain, while
// path-style requests work as well. Tests resolve every name to the server.
const VirtualDomain = "s3.easel.test"

// Server is one running (or stopped) versitygw process.
type Server struct {
	// Endpoint is the base URL, e.g. "http://127.0.0.1:40123".
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string
	// Dir is the posix backend's root: one directory per bucket.
	Dir string

	t    testing.TB
	bin  string
	addr string
	logf *os.File

	mu  sync.Mutex
	cmd *exec.Cmd
	out chan struct{} // closed when cmd has exited
}

// Binary returns the path of the versitygw binary, or "" when none is found.
func Binary() string {
	if p := os.Getenv("EASEL_TEST_VERSITYGW"); p != "" {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(dir, "bin", "versitygw")
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p
			}
		}
	}
	return ""
}

// Start runs versitygw on a new temporary directory and a free port and
// creates the given buckets. The process is killed when t ends.
func Start(t testing.TB, buckets ...string) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		msg := "versitygw " + Version + " not found ($EASEL_TEST_VERSITYGW, PATH, $(go env GOPATH)/bin); run `make versitygw`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &Server{
		AccessKey: "easeltestaccess",
		SecretKey: "easeltestsecret0123456789",
		Dir:       t.TempDir(),
		t:         t,
		bin:       bin,
		addr:      freeAddr(t),
	}
	s.Endpoint = "http://" + s.addr
	logf, err := os.Create(filepath.Join(t.TempDir(), "versitygw.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.logf = logf
	t.Cleanup(func() {
		s.Stop()
		_ = logf.Close()
	})
	s.Restart()
	for _, b := range buckets {
		s.CreateBucket(b)
	}
	return s
}

// freeAddr asks the kernel for a free 127.0.0.1 port.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Restart starts the process again (after Stop) on the same port and
// directory and waits until it answers. Calling it while running is a no-op.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.bin,
		"--access", s.AccessKey, "--secret", s.SecretKey,
		"--port", s.addr, "--quiet", "--virtual-domain", VirtualDomain,
		"posix", s.Dir)
	cmd.Env = serverEnv()
	cmd.Stdout = s.logf
	cmd.Stderr = s.logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("s3test: start %s: %v", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.out = cmd, exited

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			s.cmd = nil
			s.t.Fatalf("s3test: versitygw exited at start: %s", s.log())
		default:
		}
		resp, err := http.Get(s.Endpoint + "/")
		if err == nil {
			_ = resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("s3test: versitygw not answering on %s: %v\n%s", s.addr, err, s.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the process (SIGKILL, as a crash would) and waits for it to
// exit. Stopping a stopped server is a no-op.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.out
	s.cmd = nil
}

// serverEnv is the environment without versitygw's own settings, so that
// only the flags configure the server.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VGW_") || strings.HasPrefix(kv, "ROOT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func (s *Server) log() string {
	b, _ := os.ReadFile(s.logf.Name())
	return string(b)
}

// Client returns an S3 client with the root credentials, path-style.
func (s *Server) Client() *awss3.Client {
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}, nil
		}),
	})
}

// CreateBucket creates a bucket through the S3 API.
func (s *Server) CreateBucket(name string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		s.t.Fatalf("s3test: create bucket %q: %v", name, err)
	}
}

var bucketSeq struct {
	sync.Mutex
	n int
}

// NewBucket creates a bucket with a new name and returns the name.
func (s *Server) NewBucket() string {
	s.t.Helper()
	bucketSeq.Lock()
	bucketSeq.n++
	name := "easel-test-" + strconv.Itoa(bucketSeq.n)
	bucketSeq.Unlock()
	s.CreateBucket(name)
	return name
}

// String describes the server for failure messages.
func (s *Server) String() string { return fmt.Sprintf("versitygw at %s on %s", s.Endpoint, s.Dir) }
