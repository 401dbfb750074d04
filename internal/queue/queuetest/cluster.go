package queuetest

import (
	"encoding/json"
	"errors"
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
)

// ClusterServerVersion is the nats-server that `make nats-server` builds from
// the module proxy for the cluster tests (Debian's 2.9 is too old for them).
const ClusterServerVersion = "v2.15.2"

// ClusterServerBinary is where `make nats-server` puts that build; env
// EASEL_TEST_NATS_SERVER overrides it.
func ClusterServerBinary() string {
	if bin := os.Getenv("EASEL_TEST_NATS_SERVER"); bin != "" {
		return bin
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "easel", "tools", "nats-server-"+ClusterServerVersion, "nats-server")
}

// clusterReady bounds the wait for a cluster (or a restarted node) to
// elect its JetStream meta leader and catch up.
const clusterReady = 60 * time.Second

// Cluster is a three-node JetStream cluster of nats-server processes on
// 127.0.0.1 (servers n1, n2, n3). Each node keeps its ports and store
// directory across Stop and Restart. The cluster is closed at the end of
// the test.
type Cluster struct {
	t     testing.TB
	bin   string
	nodes []*node
}

// node is one nats-server process of a Cluster.
type node struct {
	name                           string
	port, clusterPort, monitorPort int
	storeDir, logPath              string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	out  *os.File
}

// StartCluster starts three nodes and waits until every one reports
// JetStream healthy (a meta leader elected). When the binary is missing it
// skips the test, or fails it when env CI is "true".
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := ClusterServerBinary()
	if _, err := os.Stat(bin); err != nil {
		SkipOrFail(t, "nats-server %s not found (make nats-server, or set EASEL_TEST_NATS_SERVER): %v", ClusterServerVersion, err)
	}
	// The cluster tests need 2.15's JetStream clustering; a patch release
	// other than ClusterServerVersion will do.
	minor := ClusterServerVersion[:strings.LastIndexByte(ClusterServerVersion, '.')+1]
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.Contains(string(out), minor) {
		t.Fatalf("%s --version: %q, %v: want %sx", bin, strings.TrimSpace(string(out)), err, minor)
	}
	c := &Cluster{t: t, bin: bin}
	t.Cleanup(c.Close)
	// A node exits at start when another process took one of its ports
	// after freePorts let it go: start again on fresh ports.
	for attempt := 1; ; attempt++ {
		c.nodes = newNodes(t)
		for i := range c.nodes {
			c.start(i)
		}
		err := c.waitHealthy()
		if err == nil {
			return c
		}
		c.Close()
		if attempt == 3 || !errors.Is(err, errExited) {
			t.Fatalf("nats-server cluster: %v", err)
		}
		t.Logf("nats-server cluster, attempt %d: %v", attempt, err)
	}
}

// newNodes returns three nodes on fresh ports and store directories.
func newNodes(t testing.TB) []*node {
	dir := t.TempDir()
	ports := freePorts(t, 9)
	var nodes []*node
	for i := range 3 {
		name := "n" + strconv.Itoa(i+1)
		n := &node{
			name: name, port: ports[3*i], clusterPort: ports[3*i+1], monitorPort: ports[3*i+2],
			storeDir: filepath.Join(dir, name, "store"), logPath: filepath.Join(dir, name+".log"),
		}
		if err := os.MkdirAll(n.storeDir, 0o755); err != nil {
			t.Fatalf("cluster store: %v", err)
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// freePorts returns k distinct free ports on 127.0.0.1, holding them all
// until it returns.
func freePorts(t testing.TB, k int) []int {
	t.Helper()
	var ports []int
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// URLs is the comma-separated client URLs of all nodes, for queue.url.
func (c *Cluster) URLs() string {
	urls := make([]string, len(c.nodes))
	for i := range c.nodes {
		urls[i] = c.URL(i)
	}
	return strings.Join(urls, ",")
}

// URL is the client URL of node i (0-based).
func (c *Cluster) URL(i int) string { return "nats://127.0.0.1:" + strconv.Itoa(c.nodes[i].port) }

// Name is the server name of node i: "n1" for node 0.
func (c *Cluster) Name(i int) string { return c.nodes[i].name }

// Index is the node of a server name (as in StreamInfo.Cluster.Leader), or
// -1.
func (c *Cluster) Index(name string) int {
	for i, n := range c.nodes {
		if n.name == name {
			return i
		}
	}
	return -1
}

// LogPath is the log file of node i.
func (c *Cluster) LogPath(i int) string { return c.nodes[i].logPath }

func (c *Cluster) start(i int) {
	c.t.Helper()
	n := c.nodes[i]
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		return
	}
	var routes []string
	for _, o := range c.nodes {
		if o != n {
			routes = append(routes, "nats://127.0.0.1:"+strconv.Itoa(o.clusterPort))
		}
	}
	out, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		c.t.Fatalf("nats-server log: %v", err)
	}
	cmd := exec.Command(c.bin,
		"--name", n.name, "-a", "127.0.0.1", "-p", strconv.Itoa(n.port),
		"-m", strconv.Itoa(n.monitorPort), "-js", "-sd", n.storeDir,
		"--cluster_name", "easel-test",
		"--cluster", "nats://127.0.0.1:"+strconv.Itoa(n.clusterPort),
		"--routes", strings.Join(routes, ","))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		c.t.Fatalf("start nats-server %s: %v", n.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	n.cmd, n.done, n.out = cmd, done, out
}

// Stop stops node i with sig (syscall.SIGTERM for a clean shutdown,
// syscall.SIGKILL for a crash) and waits for it to exit; a node that does
// not exit within 10s is killed. It is a no-op on a stopped node.
func (c *Cluster) Stop(i int, sig syscall.Signal) {
	n := c.nodes[i]
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Signal(sig)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	n.out.Close()
	n.cmd, n.done, n.out = nil, nil, nil
}

// Restart starts a stopped node i again on its ports and store directory
// and waits until the running nodes report JetStream healthy.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.start(i)
	c.WaitHealthy()
}

// Close stops every node (SIGTERM). It is idempotent.
func (c *Cluster) Close() {
	for i := range c.nodes {
		c.Stop(i, syscall.SIGTERM)
	}
}

// WaitHealthy waits until every running node answers its /healthz with
// "ok" and knows the meta leader: JetStream is up and its assets current.
func (c *Cluster) WaitHealthy() {
	c.t.Helper()
	if err := c.waitHealthy(); err != nil {
		c.t.Fatalf("nats-server cluster: %v", err)
	}
}

// errExited is the error of a node that exited while it was awaited.
var errExited = errors.New("exited")

func (c *Cluster) waitHealthy() error {
	deadline := time.Now().Add(clusterReady)
	client := &http.Client{Timeout: time.Second}
	for _, n := range c.nodes {
		for {
			n.mu.Lock()
			done := n.done
			n.mu.Unlock()
			if done == nil {
				break // stopped
			}
			select {
			case <-done:
				return fmt.Errorf("%s %w: %s", n.name, errExited, logTail(n.logPath))
			default:
			}
			err := nodeHealthy(client, n.monitorPort)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not healthy after %v: %v: %s", n.name, clusterReady, err, logTail(n.logPath))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// logTail is the end of a log file, for a failure message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return "log " + path + ":\n" + strings.Join(lines[max(0, len(lines)-8):], "\n")
}

// nodeHealthy asks a node's monitoring port for /healthz and /jsz.
func nodeHealthy(client *http.Client, port int) error {
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	var health struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if err := getJSON(client, base+"/healthz", &health); err != nil {
		return err
	}
	if health.Status != "ok" {
		return fmt.Errorf("healthz %s: %s", health.Status, health.Error)
	}
	var jsz struct {
		Meta *struct {
			Leader string `json:"leader"`
		} `json:"meta_cluster"`
	}
	if err := getJSON(client, base+"/jsz", &jsz); err != nil {
		return err
	}
	if jsz.Meta == nil || jsz.Meta.Leader == "" {
		return fmt.Errorf("no JetStream meta leader yet")
	}
	return nil
}

func getJSON(client *http.Client, url string, v any) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// /healthz answers 503 with a JSON body while it is not ready.
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %s: %w", url, resp.Status, err)
	}
	return nil
}
