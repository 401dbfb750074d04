package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

var (
	sharpModules  = flag.String("sharp", filepath.Join(os.Getenv("HOME"), ".cache/easel-bench/sharp-0.35.5/node_modules"), "node_modules folder holding sharp (make deps-bench installs sharp@0.35.5 there)")
	nodeBin       = flag.String("node", "node", "Node.js (>= 20.9, for sharp) that runs internal/bench/sharp/server.js")
	rounds        = flag.Int("rounds", 2, "peers suite: rounds of each scenario, peers in A B A B order")
	levelsTimeout = flag.Duration("levels-timeout", 120*time.Second, "peers suite: how long to wait for GET /v1/assets/{id} to list levels")
	onlyFlag      = flag.String("only", "", "peers suite: run only the parts whose name matches this regular expression: "+
		"\"fresh: <scenario>\", \"levels: <scenario>\" (scenarios as in the tables, e.g. \"levels: 4 MP → 300 px JPEG, c=8\"), \"floor\", \"cached\", \"abandoned\"")
)

// only reports whether the part of the peers suite called name runs.
func only(name string) bool {
	if *onlyFlag == "" {
		return true
	}
	return regexp.MustCompile(*onlyFlag).MatchString(name)
}

// phaseName is how --only names a scenario of a phase.
func phaseName(withLevels bool, sc peerScenario) string {
	if withLevels {
		return "levels: " + sc.String()
	}
	return "fresh: " + sc.String()
}

// peerScenario is one render measured on easel, sharp and the vipsthumbnail
// floor: the input fitted into a box of about size×size in a format.
type peerScenario struct {
	input  string // key of peerInputs
	size   int
	format string // jpeg, webp, avif
	conns  int
}

func (s peerScenario) String() string {
	return fmt.Sprintf("%s → %d px %s, c=%d", s.input, s.size, strings.ToUpper(s.format), s.conns)
}

var peerScenarios = []peerScenario{
	{"4 MP", 300, "jpeg", 2}, {"4 MP", 300, "jpeg", 8}, {"4 MP", 300, "jpeg", 32},
	{"15 MP progressive", 300, "jpeg", 8}, {"15 MP progressive", 300, "jpeg", 32},
	{"4 MP", 1200, "webp", 8}, {"4 MP", 1200, "avif", 8},
}

// boxes returns 400 distinct fit boxes around size (size-10..size+9 on each
// side), so that every request in flight is a miss.
func boxes(size int) [][2]int {
	var out [][2]int
	for w := size - 10; w < size+10; w++ {
		for h := size - 10; h < size+10; h++ {
			out = append(out, [2]int{w, h})
		}
	}
	return out
}

func easelOps(w, h int, format string) string {
	if format == "jpeg" {
		return fmt.Sprintf("w_%d,h_%d,c_fit,q_80,f_jpeg", w, h)
	}
	return fmt.Sprintf("w_%d,h_%d,c_fit,f_%s", w, h, format)
}

func sharpPath(file string, w, h int, format string) string {
	if format == "jpeg" {
		return fmt.Sprintf("/%s?w=%d&h=%d&f=jpeg&q=80", file, w, h)
	}
	return fmt.Sprintf("/%s?w=%d&h=%d&f=%s", file, w, h, format)
}

// peerRow is one peer's figures for one scenario, summed over the rounds.
type peerRow struct {
	peer     string
	requests int
	errors   int
	rps      []float64
	p50, p99 []float64
	cpu      time.Duration
	peakRSS  int64
	bytes    int
	note     string
}

func (r *peerRow) add(s loadStats, cpu time.Duration, rss int64) {
	r.requests += s.requests
	r.errors += s.non2xx + s.sockErr
	r.rps = append(r.rps, s.rps)
	r.p50 = append(r.p50, s.p50)
	r.p99 = append(r.p99, s.p99)
	r.cpu += cpu
	r.peakRSS = max(r.peakRSS, rss)
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// ratio formats a/b, or n/a when either side measured nothing (a round too
// short for one render to finish).
func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func (r *peerRow) cpuPerRequest() float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / 1000 / float64(r.requests)
}

func (r *peerRow) markdown(scenario string) string {
	rps := make([]string, len(r.rps))
	for i, v := range r.rps {
		rps[i] = fmt.Sprintf("%.1f", v)
	}
	if r.requests == 0 {
		return fmt.Sprintf("| %s | %s | 0 (no response within a round) | — | — | — | %d | %d | %d | %s |\n", scenario, r.peer,
			r.peakRSS>>20, r.bytes, r.errors, r.note)
	}
	return fmt.Sprintf("| %s | %s | %.1f (%s) | %.1f | %.1f | %.2f | %d | %d | %d | %s |\n", scenario, r.peer, mean(r.rps),
		strings.Join(rps, ", "), mean(r.p50), mean(r.p99), r.cpuPerRequest(), r.peakRSS>>20, r.bytes, r.errors, r.note)
}

const peerTableHead = "| scenario | server | req/s (rounds) | p50 ms | p99 ms | CPU ms/req | peak RSS MiB | output bytes | errors | note |\n|---|---|---|---|---|---|---|---|---|---|\n"

// runPeers measures easel against sharp, the vipsthumbnail floor and nginx.
func runPeers(ctx context.Context, out *strings.Builder) error {
	for _, tool := range []string{"vipsthumbnail", "wrk", "nginx", *nodeBin} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: run `make deps-bench`", tool)
		}
	}
	if _, err := os.Stat(filepath.Join(*sharpModules, "sharp")); err != nil {
		return fmt.Errorf("sharp not found in %s: run `make deps-bench`", *sharpModules)
	}
	inputs, note, err := peerInputs()
	if err != nil {
		return err
	}
	defer os.RemoveAll(inputs.dir)
	sharp, sharpVersion, err := startSharp(*sharpModules, inputs.dir)
	if err != nil {
		return err
	}
	sharp.stop()

	fmt.Fprintf(out, "Peers: easel (`easel serve`, memory cache and stored variants off for misses), sharp %s "+
		"(internal/bench/sharp/server.js on Node %s: read the file, `resize(w, h, {fit: 'inside'})`, `.jpeg({quality: 80})`, "+
		"`.webp()`, `.avif()` with sharp's defaults), `vipsthumbnail` (the floor: one process per core, "+
		"`--vips-concurrency=1`, no HTTP), nginx %s for cached hits. wrk %s per round, %d rounds in A B A B order, "+
		"400 distinct fit boxes (size-10..size+9 on each side) so every request in flight is a miss. CPU per request is "+
		"the server's process tree (utime+stime from /proc), peak RSS the tree's resident memory polled every 50 ms.\n\n",
		sharpVersion, nodeVersion(), nginxVersion(), *durationArg, *rounds)
	fmt.Fprintf(out, "Inputs: %s\n\n", note)
	if *quick {
		fmt.Fprintf(out, "**Smoke run** (`--quick`: %s rounds): it proves the suite works; its figures are not to be quoted.\n\n", *durationArg)
	}

	if *onlyFlag != "" {
		if _, err := regexp.Compile(*onlyFlag); err != nil {
			return fmt.Errorf("--only: %w", err)
		}
		fmt.Fprintf(out, "**Part of the suite** (`--only %q`).\n\n", *onlyFlag)
	}
	// Phase 1: a fresh upload, no levels; phase 2: once the levels exist.
	for _, withLevels := range []bool{false, true} {
		if err := peerPhase(ctx, out, inputs, withLevels); err != nil {
			return err
		}
	}
	if only("floor") {
		if err := peerFloor(out, inputs); err != nil {
			return err
		}
	}
	if only("cached") {
		if err := peerCached(ctx, out, inputs); err != nil {
			return err
		}
	}
	if !only("abandoned") {
		return nil
	}
	return peerAbandoned(ctx, out, inputs)
}

// easelMissEnv turns off what would turn misses into hits.
var easelMissEnv = []string{"EASEL_RENDER_CACHE_BYTES=0", "EASEL_RENDER_STORE_VARIANTS=false", "EASEL_RENDER_QUEUE_LENGTH=4096"}

// startEasel starts easel serve with env and, when the server knows
// render.levels, levelsEnv as well (it falls back to env alone when the
// variable is refused, that is before the pyramid exists).
func startEasel(ctx context.Context, env []string, levelsEnv string) (*server, bool, error) {
	if levelsEnv != "" {
		if s, err := startServer(ctx, append(env, levelsEnv)...); err == nil {
			return s, true, nil
		}
	}
	s, err := startServer(ctx, env...)
	return s, false, err
}

func peerPhase(ctx context.Context, out *strings.Builder, in *benchInputs, withLevels bool) error {
	var scenarios []peerScenario
	for _, sc := range peerScenarios {
		if only(phaseName(withLevels, sc)) {
			scenarios = append(scenarios, sc)
		}
	}
	if len(scenarios) == 0 {
		return nil
	}
	levelsEnv := "EASEL_RENDER_LEVELS=" // empty: the pyramid off
	if withLevels {
		levelsEnv = ""
	}
	es, levelsOff, err := startEasel(ctx, easelMissEnv, levelsEnv)
	if err != nil {
		return err
	}
	defer es.stop()
	ids := map[string]string{}
	for key, file := range in.files {
		if ids[key], err = es.upload(filepath.Join(in.dir, file)); err != nil {
			return err
		}
	}
	title := "fresh upload (no levels)"
	if withLevels {
		var all []string
		for _, id := range ids {
			all = append(all, id)
		}
		ok, took, err := es.waitLevels(all, *levelsTimeout)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintf(out, "### Once levels exist\n\nlevels: n/a — GET /v1/assets/{id} listed no `levels` within %s of the upload; scenarios not run.\n\n", *levelsTimeout)
			return nil
		}
		title = fmt.Sprintf("once levels exist (listed %.1f s after the uploads)", took.Seconds())
	} else if !levelsOff {
		title += "; this easel has no render.levels setting"
	}
	sharp, _, err := startSharp(*sharpModules, in.dir)
	if err != nil {
		return err
	}
	defer sharp.stop()
	easel := easelPeer(es)

	fmt.Fprintf(out, "### Renders, %s\n\n%s", title, peerTableHead)
	var summary []string
	for _, sc := range scenarios {
		var easelPaths, sharpPaths []string
		for _, b := range boxes(sc.size) {
			p, err := es.sign(ids[sc.input], easelOps(b[0], b[1], sc.format))
			if err != nil {
				return err
			}
			easelPaths = append(easelPaths, p)
			sharpPaths = append(sharpPaths, sharpPath(in.files[sc.input], b[0], b[1], sc.format))
		}
		rows := []*peerRow{{peer: "easel"}, {peer: "sharp"}}
		servers := []*peer{easel, sharp}
		paths := [][]string{easelPaths, sharpPaths}
		for round := 0; round < *rounds; round++ {
			for i, p := range servers {
				stop := p.tree.watch()
				s, err := load(p.base, paths[i], sc.conns, *durationArg)
				cpu, rss := stop()
				if err != nil {
					return fmt.Errorf("%s %s: %w", p.name, sc, err)
				}
				rows[i].add(s, cpu, rss)
			}
		}
		ep, _ := es.sign(ids[sc.input], easelOps(sc.size, sc.size, sc.format))
		for i, p := range []string{ep, sharpPath(in.files[sc.input], sc.size, sc.size, sc.format)} {
			if rows[i].bytes, _, err = fetchLen(servers[i].base, p); err != nil {
				return err
			}
		}
		for _, r := range rows {
			out.WriteString(r.markdown(sc.String()))
		}
		summary = append(summary, fmt.Sprintf("| %s | %s | %s | %s | %s |\n", sc,
			ratio(mean(rows[0].rps), mean(rows[1].rps)), ratio(rows[0].cpuPerRequest(), rows[1].cpuPerRequest()),
			ratio(float64(rows[0].peakRSS), float64(rows[1].peakRSS)), ratio(float64(rows[0].bytes), float64(rows[1].bytes))))
	}
	if withLevels {
		n, _ := es.levels(ids["4 MP"])
		fmt.Fprintf(out, "\nLevels of the 4 MP asset: %d.\n", n)
	} else {
		for key, id := range ids {
			if n, _ := es.levels(id); n > 0 {
				fmt.Fprintf(out, "\nNote: the %s asset listed %d levels by the end of this phase: the pyramid was not off.\n", key, n)
			}
		}
	}
	fmt.Fprintf(out, "\n| scenario | easel/sharp req/s | easel/sharp CPU per request | easel/sharp peak RSS | easel/sharp bytes |\n|---|---|---|---|---|\n%s\n",
		strings.Join(summary, ""))
	return nil
}

// peerFloor runs vipsthumbnail over copies of the inputs, one process per
// core (at most the scenario's concurrency), one libvips thread each.
func peerFloor(out *strings.Builder, in *benchInputs) error {
	fmt.Fprintf(out, "### The floor: vipsthumbnail, no HTTP (same inputs, fit into size×size)\n\n"+
		"| render | processes | images/s | CPU ms/image | peak RSS MiB (one process) | output bytes |\n|---|---|---|---|---|---|\n")
	done := map[string]bool{}
	for _, sc := range peerScenarios {
		procs := min(sc.conns, runtime.NumCPU())
		key := fmt.Sprintf("%s %d %s %d", sc.input, sc.size, sc.format, procs)
		if done[key] {
			continue
		}
		done[key] = true
		reps := 40
		if sc.input != "4 MP" || sc.format != "jpeg" {
			reps = 8
		}
		if *quick {
			reps = max(2, reps/4)
		}
		f, err := vipsFloor(filepath.Join(in.dir, in.files[sc.input]), sc, procs, reps)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "| %s → %d px %s | %d | %.1f | %.2f | %d | %d |\n", sc.input, sc.size, strings.ToUpper(sc.format),
			procs, f.perSecond, f.cpuPerImage, f.maxRSS>>20, f.bytes)
	}
	out.WriteString("\nEncoder settings of the floor: JPEG Q=80 (libvips defaults: 4:2:0, no optimize_coding), WebP Q=80 effort 4, AVIF Q=55 effort 2 (easel's engine defaults).\n\n")
	return nil
}

type floorResult struct {
	perSecond   float64
	cpuPerImage float64
	maxRSS      int64
	bytes       int
}

func vipsFloor(input string, sc peerScenario, procs, reps int) (floorResult, error) {
	dir, err := os.MkdirTemp("", "easel-bench-floor")
	if err != nil {
		return floorResult{}, err
	}
	defer os.RemoveAll(dir)
	save := map[string]string{"jpeg": "%s.jpg[Q=80,strip]", "webp": "%s.webp[Q=80,effort=4,strip]", "avif": "%s.avif[Q=55,effort=2,strip]"}[sc.format]
	cmds := make([]*exec.Cmd, procs)
	for p := range cmds {
		args := []string{"--vips-concurrency=1", "-s", fmt.Sprintf("%dx%d", sc.size, sc.size), "-o", filepath.Join(dir, fmt.Sprintf("out-%d-", p)+save)}
		for i := 0; i < reps; i++ {
			link := filepath.Join(dir, fmt.Sprintf("in-%d-%03d%s", p, i, filepath.Ext(input)))
			if err := os.Symlink(input, link); err != nil {
				return floorResult{}, err
			}
			args = append(args, link)
		}
		cmds[p] = exec.Command("vipsthumbnail", args...)
	}
	start := time.Now()
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			return floorResult{}, err
		}
	}
	var r floorResult
	var cpu time.Duration
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			return floorResult{}, fmt.Errorf("vipsthumbnail: %w", err)
		}
		cpu += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = max(r.maxRSS, ru.Maxrss<<10)
		}
	}
	wall := time.Since(start)
	n := procs * reps
	r.perSecond = float64(n) / wall.Seconds()
	r.cpuPerImage = float64(cpu.Microseconds()) / 1000 / float64(n)
	outs, _ := filepath.Glob(filepath.Join(dir, "out-*"))
	sort.Strings(outs)
	if len(outs) > 0 {
		if st, err := os.Stat(outs[0]); err == nil {
			r.bytes = int(st.Size())
		}
	}
	return r, nil
}

func nodeVersion() string {
	b, err := exec.Command(*nodeBin, "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

func nginxVersion() string {
	b, _ := exec.Command("nginx", "-v").CombinedOutput()
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "nginx version: "))
}
