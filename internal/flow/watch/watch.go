// Package watch reloads configuration files when they change: it polls the
// modification times and sizes of files and directories (no dependency, any
// file system), calls a load function on a change, and keeps the last good
// value when the new content is broken, exposing the error for /readyz and
// the API.
package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Status is the state of a watched value.
type Status struct {
	Paths    []string  `json:"paths"`
	LoadedAt time.Time `json:"loaded_at"` // of the value in use
	// Error is why the files as they are now could not be loaded; the
	// value in use is the last good one. Empty when the files are good.
	Error    string    `json:"error,omitempty"`
	FailedAt time.Time `json:"failed_at,omitzero"`
}

// Watcher holds the value loaded from some paths and reloads it when they
// change. It is safe for concurrent use.
type Watcher[T any] struct {
	paths    []string
	interval time.Duration
	load     func() (T, error)
	onChange func(T)

	checkMu sync.Mutex // one Check at a time
	mu      sync.Mutex
	cur     T
	have    bool
	stamp   string
	status  Status

	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan struct{}
}

// New returns a watcher of paths (files or directories, whose direct
// entries count) polled every interval. load reads them; onChange, when not
// nil, is called with every newly loaded value.
func New[T any](paths []string, interval time.Duration, load func() (T, error), onChange func(T)) *Watcher[T] {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	return &Watcher[T]{paths: paths, interval: interval, load: load, onChange: onChange, status: Status{Paths: paths}}
}

// Load loads the value for the first time; its error is the load's.
func (w *Watcher[T]) Load() error {
	w.Check()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.have {
		return fmt.Errorf("watch: %s", w.status.Error)
	}
	return nil
}

// Check reloads the value if the paths changed since the last check, and
// reports whether it did load a new value.
func (w *Watcher[T]) Check() bool {
	w.checkMu.Lock()
	defer w.checkMu.Unlock()
	stamp := w.settled()
	w.mu.Lock()
	if stamp == w.stamp && (w.have || w.status.Error != "") {
		w.mu.Unlock()
		return false
	}
	w.mu.Unlock()
	v, err := w.load()
	w.mu.Lock()
	w.stamp = stamp
	if err != nil {
		w.status.Error, w.status.FailedAt = err.Error(), time.Now().UTC()
		w.mu.Unlock()
		return false
	}
	w.cur, w.have = v, true
	w.status.Error, w.status.FailedAt, w.status.LoadedAt = "", time.Time{}, time.Now().UTC()
	w.mu.Unlock()
	if w.onChange != nil {
		w.onChange(v)
	}
	return true
}

// Settle is how long the paths must stay unchanged before a change is
// loaded, so that a file caught half-written is not taken for the new
// version.
const Settle = 50 * time.Millisecond

// settled returns the fingerprint of the paths once it is stable over
// Settle, or the last one seen after a few tries.
func (w *Watcher[T]) settled() string {
	stamp := fingerprint(w.paths)
	w.mu.Lock()
	same := stamp == w.stamp
	w.mu.Unlock()
	if same {
		return stamp
	}
	for range 10 {
		time.Sleep(Settle)
		next := fingerprint(w.paths)
		if next == stamp {
			break
		}
		stamp = next
	}
	return stamp
}

// Current returns the last good value, and whether there is one.
func (w *Watcher[T]) Current() (T, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur, w.have
}

// Status returns the watcher's status.
func (w *Watcher[T]) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.status
	s.Paths = append([]string(nil), s.Paths...)
	return s
}

// Start polls in the background until ctx is done or Stop is called.
func (w *Watcher[T]) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	w.cancel, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		t := time.NewTicker(w.interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.Check()
			}
		}
	}()
	return nil
}

// Stop stops polling and returns when it has stopped. It is idempotent.
func (w *Watcher[T]) Stop() {
	w.stopOnce.Do(func() {
		if w.cancel != nil {
			w.cancel()
			<-w.done
		}
	})
}

// fingerprint describes the paths' names, sizes and modification times.
func fingerprint(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%s:missing;", p)
			continue
		}
		fmt.Fprintf(&b, "%s:%d:%d;", p, st.Size(), st.ModTime().UnixNano())
		if !st.IsDir() {
			continue
		}
		entries, _ := os.ReadDir(p)
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			if st, err := os.Stat(filepath.Join(p, n)); err == nil {
				fmt.Fprintf(&b, "%s:%d:%d;", n, st.Size(), st.ModTime().UnixNano())
			}
		}
	}
	return b.String()
}
