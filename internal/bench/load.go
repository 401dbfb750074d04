package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// loadStats is what one wrk run measured.
type loadStats struct {
	requests int     // completed responses, any status
	non2xx   int     // responses outside 2xx/3xx
	sockErr  int     // connect, read, write and timeout errors
	rps      float64 // requests per second over the run
	p50, p99 float64 // latency, ms
}

var statsLine = regexp.MustCompile(`STATS (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)`)

// load runs wrk against base with the paths round-robin (each connection
// takes the next one, so with more distinct paths than connections no two
// requests in flight are the same) at conns connections for d. Errors are
// counted, not fatal.
func load(base string, paths []string, conns int, d time.Duration) (loadStats, error) {
	dir, err := os.MkdirTemp("", "easel-bench-wrk")
	if err != nil {
		return loadStats{}, err
	}
	defer os.RemoveAll(dir)
	var lua strings.Builder
	threads := min(2, conns)
	fmt.Fprintf(&lua, "nthreads = %d\nlocal paths = {\n", threads)
	for _, p := range paths {
		fmt.Fprintf(&lua, "  %q,\n", p)
	}
	lua.WriteString(`}
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local i = -1
request = function()
  -- thread k takes paths k, k+T, k+2T...: the threads never share a path
  if i < 0 then i = tid end
  local p = paths[i % #paths + 1]
  i = i + nthreads
  return wrk.format("GET", p)
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format("STATS %d %d %d %d %d %d\n", s.requests, s.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`)
	script := filepath.Join(dir, "paths.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o600); err != nil {
		return loadStats{}, err
	}
	out, err := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", d.String(),
		"--timeout", "60s", "-s", script, base).CombinedOutput()
	if err != nil {
		return loadStats{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	m := statsLine.FindStringSubmatch(string(out))
	if m == nil {
		return loadStats{}, fmt.Errorf("wrk printed no STATS line:\n%s", out)
	}
	n := make([]float64, 7)
	for i := 1; i < 7; i++ {
		n[i], _ = strconv.ParseFloat(m[i], 64)
	}
	s := loadStats{requests: int(n[1]), non2xx: int(n[3]), sockErr: int(n[4]), p50: n[5] / 1000, p99: n[6] / 1000}
	if n[2] > 0 {
		s.rps = n[1] / (n[2] / 1e6)
	}
	return s, nil
}

// newClient is what one client arriving after an abandoned load saw.
type newClient struct {
	ok, tooMany, other int
	firstOK            time.Duration // time to the first 200, 0 if none
}

// probe sends the paths one at a time for d, as a single new client would,
// and counts the answers.
func probe(base string, paths []string, d time.Duration) newClient {
	var c newClient
	client := &http.Client{Timeout: 60 * time.Second}
	start := time.Now()
	for i := 0; time.Since(start) < d; i++ {
		resp, err := client.Get(base + paths[i%len(paths)])
		if err != nil {
			c.other++
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			c.ok++
			if c.firstOK == 0 {
				c.firstOK = time.Since(start)
			}
		case http.StatusTooManyRequests:
			c.tooMany++
		default:
			c.other++
		}
	}
	return c
}

// fetchLen returns the length of the body of base+path, which must be 200.
func fetchLen(base, path string) (int, []byte, error) {
	resp, err := http.Get(base + path)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return len(b), b, nil
}
