// Command bench measures easel side by side with vipsthumbnail on the same
// inputs, in one run: per-image time of uncached HTTP renders against the
// library floor, throughput and latency under load (wrk), cached hits, and
// peak RSS. `make bench` runs it; --write updates docs/BENCHMARKS.md.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/meta/sqlite"
)

var (
	binFlag     = flag.String("bin", "bin/easel", "easel binary")
	testdata    = flag.String("testdata", "../shared/testdata", "shared test image corpus")
	writeFlag   = flag.String("write", "", "markdown file whose section to replace (between <!-- bench:start --> and <!-- bench:end -->, or bench-vision / bench-peers for --suite vision / peers)")
	durationArg = flag.Duration("duration", 10*time.Second, "duration of each wrk run (of each round, for --suite peers)")
	quick       = flag.Bool("quick", false, "fewer repetitions and 3 s wrk runs unless --duration is given, for a smoke run")
	suite       = flag.String("suite", "all", "what to measure: render, tasks, all (these two), vision, or peers (easel against sharp, vipsthumbnail and nginx)")
)

// photos are the three real photos of the comparison: about 4, 13 and 16 MP.
var photos = []string{
	"photos/plasma_EveningGlow_2560x1600.jpg",
	"photos/lomiri16_Dragonfly_by_Bolly.jpg",
	"photos/lomiri16_seeding_by_Clements_Engelhardt.jpg",
}

// workload is one rendering, expressed both as easel operations and as the
// equivalent vipsthumbnail arguments. Encoder settings match the engine's
// defaults (internal/engine/vips).
type workload struct {
	name   string
	ops    string
	size   string // vipsthumbnail --size
	output string // vipsthumbnail -o, %s is the input's base name
	reps   int
}

var workloads = []workload{
	{"w_300 JPEG q80", "w_300,q_80,f_jpeg", "300x", "%s.jpg[Q=80,strip]", 20},
	{"w_1200 WebP", "w_1200,f_webp", "1200x", "%s.webp[Q=80,effort=4,strip]", 8},
	{"w_1200 AVIF", "w_1200,f_avif", "1200x", "%s.avif[Q=55,effort=2,strip]", 4},
}

func main() {
	flag.Parse()
	if *quick && !flagSet("duration") {
		*durationArg = 3 * time.Second
	}
	if *quick {
		for i := range workloads {
			workloads[i].reps = max(2, workloads[i].reps/4)
		}
	}
	var out strings.Builder
	if err := run(&out); err != nil {
		fmt.Print(out.String()) // what was measured before the failure
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Print(out.String())
	if *writeFlag != "" {
		section := "bench"
		if *suite == "vision" || *suite == "peers" {
			section = "bench-" + *suite
		}
		if err := replaceSection(*writeFlag, section, out.String()); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

func run(out *strings.Builder) error {
	ctx := context.Background()
	for _, tool := range []string{"vipsthumbnail", "wrk"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: run `make bench`, which installs it", tool)
		}
	}
	fmt.Fprintf(out, "Run %s on %s, %d cores, %s; libvips %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		runtime.GOARCH, runtime.NumCPU(), cpuModel(), vipsVersion())
	if *suite == "vision" {
		return runVision(ctx, out)
	}
	if *suite == "peers" {
		return runPeers(ctx, out)
	}
	if *suite == "tasks" || *suite == "all" {
		if err := runTasks(ctx, out); err != nil {
			return fmt.Errorf("tasks: %w", err)
		}
		if err := runTaskThumbnails(ctx, out); err != nil {
			return fmt.Errorf("task thumbnails: %w", err)
		}
		if *suite == "tasks" {
			return nil
		}
		fmt.Fprintln(out)
	}

	// Uncached: no memory cache, no stored variants: every request renders.
	unc, err := startServer(ctx, "EASEL_RENDER_CACHE_BYTES=0", "EASEL_RENDER_STORE_VARIANTS=false", "EASEL_RENDER_QUEUE_LENGTH=4096")
	if err != nil {
		return err
	}
	defer unc.stop()
	ids := make([]string, len(photos))
	for i, p := range photos {
		if ids[i], err = unc.upload(filepath.Join(*testdata, p)); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "### Uncached render, one request at a time, against vipsthumbnail (same inputs, one invocation, --vips-concurrency=1)\n\n")
	fmt.Fprintf(out, "| photo | MP | workload | easel HTTP ms/image | vipsthumbnail ms/image | ratio |\n|---|---|---|---|---|---|\n")
	for i, p := range photos {
		for _, w := range workloads {
			path, err := unc.sign(ids[i], w.ops)
			if err != nil {
				return err
			}
			ours, err := unc.timeSequential(path, w.reps)
			if err != nil {
				return fmt.Errorf("%s %s: %w", p, w.name, err)
			}
			floor, err := vipsthumbnailPerImage(filepath.Join(*testdata, p), w)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "| %s | %.1f | %s | %.1f | %.1f | %.2f× |\n", filepath.Base(p), megapixels(filepath.Join(*testdata, p)), w.name,
				ms(ours), ms(floor), float64(ours)/float64(floor))
		}
	}

	fmt.Fprintf(out, "\n### Uncached renders under load (wrk, %s each, distinct URLs: w_300..w_499 JPEG of the 4 MP photo)\n\n", *durationArg)
	fmt.Fprintf(out, "| concurrency | requests/s | p50 ms | p99 ms |\n|---|---|---|---|\n")
	var paths []string
	for w := 300; w < 500; w++ {
		p, err := unc.sign(ids[0], fmt.Sprintf("w_%d,q_80,f_jpeg", w))
		if err != nil {
			return err
		}
		paths = append(paths, p)
	}
	for _, c := range []int{2, 8} {
		r, err := wrk(unc.base, paths, c, *durationArg)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "| %d | %.1f | %.1f | %.1f |\n", c, r.rps, r.p50, r.p99)
	}
	fmt.Fprintf(out, "\nPeak RSS of the uncached server after these runs: %d MiB.\n", unc.peakRSS()>>20)

	var big []string
	for w := 1000; w < 1100; w++ {
		p, err := unc.sign(ids[2], fmt.Sprintf("w_%d,f_jpeg", w))
		if err != nil {
			return err
		}
		big = append(big, p)
	}
	r, err := wrk(unc.base, big, 32, *durationArg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n32 requests in flight on the 16 MP progressive JPEG (w_1000..w_1099): %.1f requests/s, p50 %.0f ms, p99 %.0f ms; peak RSS %d MiB.\n",
		r.rps, r.p50, r.p99, unc.peakRSS()>>20)

	// Cached hits: the default configuration, one URL warmed.
	cached, err := startServer(ctx)
	if err != nil {
		return err
	}
	defer cached.stop()
	id, err := cached.upload(filepath.Join(*testdata, photos[0]))
	if err != nil {
		return err
	}
	path, err := cached.sign(id, "w_300,q_80,f_jpeg")
	if err != nil {
		return err
	}
	if _, err := cached.timeSequential(path, 2); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n### Cached hits (memory cache, one URL, wrk with 32 connections on the same 2 cores)\n\n| requests/s | p50 ms | p99 ms | peak RSS MiB |\n|---|---|---|---|\n")
	r, err = wrk(cached.base, []string{path}, 32, *durationArg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "| %.0f | %.2f | %.2f | %d |\n", r.rps, r.p50, r.p99, cached.peakRSS()>>20)
	return nil
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// server is an `easel serve` process on a temporary data dir.
type server struct {
	cmd    *exec.Cmd
	base   string
	apiKey string
	data   string
	keys   *keys.Keys
	closer func()
}

func startServer(ctx context.Context, env ...string) (*server, error) {
	data, err := os.MkdirTemp("", "easel-bench")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(*binFlag, "serve", "--data", data, "--addr", "127.0.0.1:0")
	cmd.Env = append(append(os.Environ(), "EASEL_LOG_LEVEL=warn"), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, data: data}
	sc := bufio.NewScanner(stdout)
	for s.base == "" && sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, keys.APIKeyPrefix) {
			s.apiKey = line
		}
		if rest, ok := strings.CutPrefix(line, "easel listening on "); ok {
			s.base = strings.Fields(rest)[0]
		}
	}
	if s.base == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(data)
		return nil, fmt.Errorf("server did not start")
	}
	go io.Copy(io.Discard, stdout)
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(data, "easel.db"), BusyTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	s.keys = keys.New(meta, keys.Config{})
	s.closer = func() { meta.Close() }
	return s, nil
}

func (s *server) stop() {
	s.closer()
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
	os.RemoveAll(s.data)
}

func (s *server) upload(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	req, _ := http.NewRequest("POST", s.base+"/v1/assets", f)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("upload %s: %d %s", path, resp.StatusCode, b)
	}
	m := regexp.MustCompile(`"id":"([0-9a-z]+)"`).FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("upload %s: no id in %s", path, b)
	}
	return string(m[1]), nil
}

func (s *server) sign(id, ops string) (string, error) {
	ctx := context.Background()
	t, err := s.keys.DefaultTenant(ctx)
	if err != nil {
		return "", err
	}
	return s.keys.SignPath(ctx, t.ID, ops, id, "")
}

// timeSequential fetches path reps times after one warm-up and returns the
// mean time per request.
func (s *server) timeSequential(path string, reps int) (time.Duration, error) {
	get := func() error {
		resp, err := http.Get(s.base + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return nil
	}
	if err := get(); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := 0; i < reps; i++ {
		if err := get(); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(reps), nil
}

func (s *server) peakRSS() int64 { return vmHWM(s.cmd.Process.Pid) }

func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// vipsthumbnailPerImage runs vipsthumbnail once over reps copies of the input
// and returns the wall time per image: the library floor.
func vipsthumbnailPerImage(input string, w workload) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "easel-bench-vt")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if input, err = filepath.Abs(input); err != nil {
		return 0, err
	}
	args := []string{"--vips-concurrency=1", "-s", w.size, "-o", filepath.Join(dir, "out-"+w.output)}
	for i := 0; i < w.reps; i++ {
		link := filepath.Join(dir, fmt.Sprintf("in%03d%s", i, filepath.Ext(input)))
		if err := os.Symlink(input, link); err != nil {
			return 0, err
		}
		args = append(args, link)
	}
	start := time.Now()
	if out, err := exec.Command("vipsthumbnail", args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("vipsthumbnail: %v: %s", err, out)
	}
	return time.Since(start) / time.Duration(w.reps), nil
}

type wrkResult struct{ rps, p50, p99 float64 }

// wrk loads base with the paths round-robin at the given concurrency.
func wrk(base string, paths []string, conns int, d time.Duration) (wrkResult, error) {
	dir, err := os.MkdirTemp("", "easel-bench-wrk")
	if err != nil {
		return wrkResult{}, err
	}
	defer os.RemoveAll(dir)
	var lua strings.Builder
	lua.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&lua, "  %q,\n", p)
	}
	lua.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
	lua.WriteString("done = function(summary, latency, requests)\n  io.write(string.format(\"ERRORS %d %d\\n\", summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))\nend\n")
	script := filepath.Join(dir, "paths.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o600); err != nil {
		return wrkResult{}, err
	}
	threads := min(2, conns)
	out, err := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", d.String(),
		"--timeout", "60s", "--latency", "-s", script, base).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	text := string(out)
	if m := regexp.MustCompile(`ERRORS (\d+) (\d+)`).FindStringSubmatch(text); m != nil && (m[1] != "0" || m[2] != "0") {
		return wrkResult{}, fmt.Errorf("wrk saw errors (non-2xx %s, socket %s):\n%s", m[1], m[2], text)
	}
	var r wrkResult
	if m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindStringSubmatch(text); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	r.p50 = latencyMS(text, "50%")
	r.p99 = latencyMS(text, "99%")
	return r, nil
}

func latencyMS(text, pct string) float64 {
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(pct) + `\s+([\d.]+)(us|ms|s)`).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	switch m[2] {
	case "us":
		return v / 1000
	case "s":
		return v * 1000
	}
	return v
}

func megapixels(path string) float64 {
	out, err := exec.Command("vipsheader", "-f", "width", path).Output()
	if err != nil {
		return 0
	}
	w, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	out, _ = exec.Command("vipsheader", "-f", "height", path).Output()
	h, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return float64(w*h) / 1e6
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

func vipsVersion() string {
	out, err := exec.Command("vips", "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// replaceSection writes body between the file's markers of the section.
func replaceSection(file, section, body string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	start, end := "<!-- "+section+":start -->", "<!-- "+section+":end -->"
	s := string(b)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s ... %s section", file, start, end)
	}
	return os.WriteFile(file, []byte(s[:i+len(start)]+"\n"+body+"\n"+s[j:]), 0o644)
}
