package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100
// on every Linux architecture this runs on.
const clockTicks = 100

// procTree reads the CPU time and resident memory of a process and all its
// descendants from /proc, without cgroups.
type procTree struct{ root int }

// pids returns root and its descendants.
func (t procTree) pids() []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, ok := statFields(pid); ok {
			ppid, _ := strconv.Atoi(f[1])
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{t.root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// statFields returns the fields of /proc/<pid>/stat after the command name:
// [0] is the state, [1] the parent pid, [11..14] utime, stime, cutime, cstime.
func statFields(pid int) ([]string, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(s[i+1:])
	return f, len(f) > 14
}

// cpu returns the CPU time (user + system, of reaped children included) of
// the tree so far.
func (t procTree) cpu() time.Duration {
	var ticks int64
	for _, pid := range t.pids() {
		f, ok := statFields(pid)
		if !ok {
			continue
		}
		for _, k := range f[11:15] {
			v, _ := strconv.ParseInt(k, 10, 64)
			ticks += v
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// rss returns the resident memory of the tree now, in bytes.
func (t procTree) rss() int64 {
	var pages int64
	for _, pid := range t.pids() {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "statm"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 1 {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			pages += v
		}
	}
	return pages * int64(os.Getpagesize())
}

// watch polls the tree's resident memory every 50 ms until the returned stop
// function is called; stop returns the CPU time used and the peak resident
// memory of the tree in between (polled: a peak shorter than 50 ms can be
// missed).
func (t procTree) watch() (stop func() (cpu time.Duration, peakRSS int64)) {
	startCPU := t.cpu()
	var (
		mu   sync.Mutex
		peak int64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			r := t.rss()
			mu.Lock()
			peak = max(peak, r)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (time.Duration, int64) {
		close(done)
		wg.Wait()
		return t.cpu() - startCPU, peak
	}
}

// waitIdle returns how long after now the tree's CPU use stays below 10 ms
// per 500 ms window (one clock tick, so effectively idle), or an error after
// timeout.
func (t procTree) waitIdle(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	last := t.cpu()
	lastAt := start
	for time.Since(start) < timeout {
		time.Sleep(100 * time.Millisecond)
		now := t.cpu()
		if now-last > 10*time.Millisecond {
			last, lastAt = now, time.Now()
			continue
		}
		if time.Since(lastAt) >= 500*time.Millisecond {
			return lastAt.Sub(start), nil
		}
	}
	return 0, fmt.Errorf("still busy %s after the clients left", timeout)
}
