package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// peerCached compares easel's cached hit (default configuration, memory
// cache warmed with one URL) with nginx serving the same bytes from a file.
func peerCached(ctx context.Context, out *strings.Builder, in *benchInputs) error {
	es, err := startServer(ctx)
	if err != nil {
		return err
	}
	defer es.stop()
	id, err := es.upload(filepath.Join(in.dir, in.files["4 MP"]))
	if err != nil {
		return err
	}
	path, err := es.sign(id, easelOps(300, 300, "jpeg"))
	if err != nil {
		return err
	}
	n, body, err := fetchLen(es.base, path)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "easel-bench-www")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	if err := os.Chmod(root, 0o755); err != nil { // nginx workers run as nobody
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "thumb.jpg"), body, 0o644); err != nil {
		return err
	}
	ng, err := startNginx(root)
	if err != nil {
		return err
	}
	defer ng.stop()
	if _, _, err := fetchLen(ng.base, "/thumb.jpg"); err != nil {
		return err
	}
	rows := []*peerRow{{peer: "easel", bytes: n}, {peer: "nginx", bytes: n}}
	servers := []*peer{easelPeer(es), ng}
	paths := [][]string{{path}, {"/thumb.jpg"}}
	for round := 0; round < *rounds; round++ {
		for i, p := range servers {
			stop := p.tree.watch()
			s, err := load(p.base, paths[i], 32, *durationArg)
			cpu, rss := stop()
			if err != nil {
				return fmt.Errorf("cached %s: %w", p.name, err)
			}
			rows[i].add(s, cpu, rss)
		}
	}
	fmt.Fprintf(out, "### Cached hits: one URL at c=32, easel's memory cache against nginx serving the same %d bytes\n\n%s", n, peerTableHead)
	for _, r := range rows {
		out.WriteString(r.markdown("cached 300 px JPEG, c=32"))
	}
	fmt.Fprintf(out, "\neasel/nginx: %.2f× req/s, %.2f× CPU per request (%.1f µs against %.1f µs).\n\n",
		mean(rows[0].rps)/mean(rows[1].rps), rows[0].cpuPerRequest()/rows[1].cpuPerRequest(),
		rows[0].cpuPerRequest()*1000, rows[1].cpuPerRequest()*1000)
	return nil
}

// peerAbandoned puts 32 clients on 15 MP → 300 px renders for 5 s, then
// they all leave. It measures how long the server's CPU stays busy after
// that, and, in a second run, what one new client arriving then gets in 3 s.
func peerAbandoned(ctx context.Context, out *strings.Builder, in *benchInputs) error {
	es, err := startServer(ctx, "EASEL_RENDER_CACHE_BYTES=0", "EASEL_RENDER_STORE_VARIANTS=false")
	if err != nil {
		return err
	}
	defer es.stop()
	id, err := es.upload(filepath.Join(in.dir, in.files["15 MP progressive"]))
	if err != nil {
		return err
	}
	sharp, _, err := startSharp(*sharpModules, in.dir)
	if err != nil {
		return err
	}
	defer sharp.stop()

	var easelLoad, easelProbe, sharpLoad, sharpProbe []string
	for i, b := range boxes(300) {
		e, err := es.sign(id, easelOps(b[0], b[1], "jpeg"))
		if err != nil {
			return err
		}
		s := sharpPath(in.files["15 MP progressive"], b[0], b[1], "jpeg")
		if i%2 == 0 { // the new client asks for URLs the load never did
			easelLoad, sharpLoad = append(easelLoad, e), append(sharpLoad, s)
		} else {
			easelProbe, sharpProbe = append(easelProbe, e), append(sharpProbe, s)
		}
	}
	idleTimeout := 60 * time.Second
	if *quick {
		idleTimeout = 30 * time.Second
	}
	fmt.Fprintf(out, "### Abandoned load: 32 clients on 15 MP → 300 px for 5 s, then all leave\n\n"+
		"easel with its default queue (caches off). Idle: the server's process tree uses under 10 ms of CPU per 500 ms. "+
		"New client: one connection, one request at a time, for 3 s right after the 32 left.\n\n"+
		"| server | requests during the 5 s | busy after they left | new client: 200 | 429 | other | first 200 after |\n|---|---|---|---|---|---|---|\n")
	for _, p := range []struct {
		peer        *peer
		load, probe []string
	}{{easelPeer(es), easelLoad, easelProbe}, {sharp, sharpLoad, sharpProbe}} {
		s, err := load(p.peer.base, p.load, 32, 5*time.Second)
		if err != nil {
			return err
		}
		busy := "> " + idleTimeout.String()
		if d, err := p.peer.tree.waitIdle(idleTimeout); err == nil {
			busy = fmt.Sprintf("%.1f s", d.Seconds())
		}
		if _, err := load(p.peer.base, p.load, 32, 5*time.Second); err != nil {
			return err
		}
		c := probe(p.peer.base, p.probe, 3*time.Second)
		first := "none"
		if c.firstOK > 0 {
			first = fmt.Sprintf("%.2f s", c.firstOK.Seconds())
		}
		fmt.Fprintf(out, "| %s | %d | %s | %d | %d | %d | %s |\n", p.peer.name, s.requests, busy, c.ok, c.tooMany, c.other, first)
		// Let the second abandoned load drain before the next server starts.
		_, _ = p.peer.tree.waitIdle(idleTimeout)
	}
	out.WriteString("\n")
	return nil
}
