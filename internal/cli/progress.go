package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// progress shows the bytes sent per file and in total, with throughput and
// ETA. On a terminal it redraws a block of lines in place; otherwise it
// prints a plain line per finished file and a total line every few seconds.
type progress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time

	mu       sync.Mutex
	start    time.Time
	total    int64 // bytes of every file
	files    int
	done     int
	doneSent int64 // bytes of finished files
	active   map[string]*fileProgress
	drawn    int // lines drawn last time (terminal)
	lastLine time.Time
}

type fileProgress struct {
	name        string
	sent, total int64
	start       time.Time
}

func newProgress(w io.Writer, terminal bool, files int, total int64) *progress {
	p := &progress{w: w, terminal: terminal, now: time.Now, files: files, total: total, active: map[string]*fileProgress{}}
	p.start = p.now()
	p.lastLine = p.start
	return p
}

// begin marks a file as being sent.
func (p *progress) begin(path string, size int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active[path] = &fileProgress{name: filepath.Base(path), total: size, start: p.now()}
}

// update records the bytes of the file sent so far.
func (p *progress) update(path string, sent int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f := p.active[path]; f != nil {
		f.sent = min(sent, f.total)
	}
}

// finish records a file as done and prints its line (plain output) .
func (p *progress) finish(path string, size int64, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.active, path)
	p.done++
	p.doneSent += size
	if p.terminal {
		p.clear()
		fmt.Fprintln(p.w, line)
		p.draw()
		return
	}
	fmt.Fprintf(p.w, "[%d/%d] %s\n", p.done, p.files, line)
	if p.now().Sub(p.lastLine) >= 5*time.Second && p.done < p.files {
		p.lastLine = p.now()
		fmt.Fprintln(p.w, p.totalLine())
	}
}

// tick redraws the block (terminal only).
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		p.clear()
		p.draw()
	}
}

// end removes the block and prints the final total line.
func (p *progress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		p.clear()
	}
	fmt.Fprintln(p.w, p.totalLine())
}

func (p *progress) clear() {
	for range p.drawn {
		fmt.Fprint(p.w, "\x1b[1A\x1b[2K")
	}
	p.drawn = 0
}

func (p *progress) draw() {
	paths := make([]string, 0, len(p.active))
	for k := range p.active {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	for _, k := range paths {
		f := p.active[k]
		el := p.now().Sub(f.start).Seconds()
		rate := 0.0
		if el > 0 {
			rate = float64(f.sent) / el
		}
		state := "sent, waiting for the server"
		if f.sent < f.total {
			state = humanBytes(int64(rate)) + "/s"
			if rate > 0 {
				state += ", ETA " + time.Duration(float64(f.total-f.sent)/rate*float64(time.Second)).Round(time.Second).String()
			}
		}
		fmt.Fprintf(p.w, "  %-32.32s %s %9s / %-9s %s\n", f.name, bar(f.sent, f.total, 20), humanBytes(f.sent), humanBytes(f.total), state)
		p.drawn++
	}
	fmt.Fprintln(p.w, p.totalLine())
	p.drawn++
}

// totalLine is "total: 12/300 files, 3.1 MB / 80.0 MB, 2.4 MB/s, ETA 32s".
func (p *progress) totalLine() string {
	sent := p.doneSent
	for _, f := range p.active {
		sent += f.sent
	}
	el := p.now().Sub(p.start)
	rate := 0.0
	if el > 0 {
		rate = float64(sent) / el.Seconds()
	}
	eta := "-"
	if p.done == p.files {
		eta = "done in " + el.Round(100*time.Millisecond).String()
	} else if rate > 0 {
		eta = "ETA " + time.Duration(float64(p.total-sent)/rate*float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("total: %d/%d files, %s / %s, %s/s, %s", p.done, p.files, humanBytes(sent), humanBytes(p.total), humanBytes(int64(rate)), eta)
}

func bar(sent, total int64, width int) string {
	n := width
	if total > 0 {
		n = int(int64(width) * sent / total)
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}
