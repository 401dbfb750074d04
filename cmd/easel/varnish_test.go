package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// varnishdPath finds Debian's varnishd (in /usr/sbin, often not on PATH).
// Locally a missing varnishd skips; under CI=true it fails.
func varnishdPath(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("varnishd"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/varnishd"); err == nil {
		return "/usr/sbin/varnishd"
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("varnishd not found: the Makefile installs Debian's varnish package")
	}
	t.Skip("varnishd not found (apt-get install varnish)")
	return ""
}

// startVarnish runs varnishd on port with deploy/varnish/easel.vcl, its
// backend pointed at backend (host:port), and waits until it answers
// through that backend.
func startVarnish(t testing.TB, port int, backends ...string) string {
	t.Helper()
	bin := varnishdPath(t)
	vcl, err := os.ReadFile(filepath.Join("..", "..", "deploy", "varnish", "easel.vcl"))
	require.NoError(t, err)
	// api1 is the VCL's backend; more are copies of it in the round robin.
	block := regexp.MustCompile(`(?s)backend api1 \{.*?\n\}\n`).FindString(string(vcl))
	require.NotEmpty(t, block, "the VCL's backend api1 is where the test expects it")
	var blocks, adds []string
	for i, backend := range backends {
		host, bport, ok := strings.Cut(backend, ":")
		require.True(t, ok, backend)
		b := strings.Replace(block, `.host = "127.0.0.1";`, fmt.Sprintf(`.host = %q;`, host), 1)
		b = strings.Replace(b, `.port = "8080";`, fmt.Sprintf(`.port = %q;`, bport), 1)
		require.NotEqual(t, block, b, "the VCL's backend address is where the test expects it")
		name := fmt.Sprintf("api%d", i+1)
		blocks = append(blocks, strings.Replace(b, "backend api1 ", "backend "+name+" ", 1))
		adds = append(adds, "apis.add_backend("+name+");")
	}
	text := strings.Replace(string(vcl), block, strings.Join(blocks, ""), 1)
	text = strings.Replace(text, "apis.add_backend(api1);", strings.Join(adds, "\n    "), 1)

	// varnishd drops privileges: its working directory and the VCL must be
	// reachable by its unprivileged user.
	dir, err := os.MkdirTemp("", "easel-varnish")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	vclPath := filepath.Join(dir, "easel.vcl")
	require.NoError(t, os.WriteFile(vclPath, []byte(text), 0o644))

	var out bytes.Buffer
	cmd := exec.Command(bin, "-F", "-a", fmt.Sprintf("127.0.0.1:%d", port), "-f", vclPath,
		"-n", filepath.Join(dir, "work"), "-s", "malloc,64m", "-T", "none")
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("varnishd output:\n%s", out.String())
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("varnishd exited: %v\n%s", err, out.String())
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		require.True(t, time.Now().Before(deadline), "varnishd did not answer through easel: %s", out.String())
		time.Sleep(100 * time.Millisecond)
	}
}

// TestVarnishInFront runs a real varnishd with deploy/varnish/easel.vcl in
// front of `easel serve`: a delivery URL is a miss and then a hit, a
// conditional request is a 304, and deleting the asset bans its cached
// renderings (delivery.purge_urls), so the next request reaches easel and
// gets its 404.
func TestVarnishInFront(t *testing.T) {
	t.Parallel()
	varnishdPath(t)
	vport := freePort(t)
	s := startServer(t, fmt.Sprintf("EASEL_DELIVERY_PURGE_URLS=http://127.0.0.1:%d", vport))
	u, err := url.Parse(s.base)
	require.NoError(t, err)
	front := startVarnish(t, vport, u.Host)

	status, asset := s.upload(t, testimages.Path(t, "photos/mate_Wood.jpg"))
	require.Equal(t, http.StatusCreated, status, "%v", asset)
	id := asset["id"].(string)
	path := s.easel(t, "url", "sign", "--data", s.data, id, "w_64,f_jpeg")

	get := func(header ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, front+path, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	resp := get()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "MISS", resp.Header.Get("X-Cache"))
	require.Equal(t, id, resp.Header.Get("X-Easel-Asset"))
	require.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)

	resp = get()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "HIT", resp.Header.Get("X-Cache"))
	require.Equal(t, etag, resp.Header.Get("ETag"))

	resp = get("If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Equal(t, "HIT", resp.Header.Get("X-Cache"), "Varnish answers the conditional request itself")

	req, err := http.NewRequest(http.MethodDelete, s.base+"/v1/assets/"+id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	dresp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	dresp.Body.Close()
	require.Equal(t, http.StatusNoContent, dresp.StatusCode)

	resp = get()
	require.Equal(t, "MISS", resp.Header.Get("X-Cache"), "the delete banned the cached rendering")
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "easel says the asset is gone")
}
