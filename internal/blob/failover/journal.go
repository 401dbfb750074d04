package failover

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"
	"syscall"
)

// op is what the reconciler still owes a key.
type op string

const (
	opCopyToPrimary   op = "copy_to_primary"  // written to the secondary only
	opDeleteSecondary op = "delete_secondary" // deleted from the primary only
	opDeletePrimary   op = "delete_primary"   // deleted from the secondary only
	opDeleteBoth      op = "delete_both"      // deleted from neither
	opDone            op = "done"             // nothing owed any more
)

// hidesBlob reports whether a key with this pending op reads as missing.
func (o op) hidesBlob() bool {
	return o == opDeleteSecondary || o == opDeletePrimary
}

// record is one line of the journal file.
type record struct {
	Key    string  `json:"k,omitempty"`
	Op     op      `json:"op,omitempty"`
	Cursor *string `json:"cursor,omitempty"`
}

// journal is what the reconciler owes each key, plus the cursor of the walk.
// It is kept in memory and, when path is set, appended to a file (one JSON
// record a line, synced) that is replayed on open and compacted when nothing
// is owed.
type journal struct {
	mu      sync.Mutex
	path    string
	lock    *os.File // <path>.lock, held with flock while open
	f       *os.File
	pending map[string]op
	cursor  string
}

func openJournal(path string) (*journal, error) {
	j := &journal{path: path, pending: map[string]op{}}
	if path == "" {
		return j, nil
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("failover blob: journal %q: %w", path, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("failover blob: journal %q is in use by another process (give each its own journal): %w", path, err)
	}
	j.lock = lock
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("failover blob: journal %q: %w", path, err)
	default:
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var r record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				break // a torn last line from a crash: what came before stands
			}
			j.apply(r)
		}
		_ = f.Close()
	}
	if err := j.rewrite(); err != nil {
		_ = j.close()
		return nil, err
	}
	return j, nil
}

func (j *journal) apply(r record) {
	if r.Cursor != nil {
		j.cursor = *r.Cursor
	}
	if r.Key == "" {
		return
	}
	if r.Op == opDone {
		delete(j.pending, r.Key)
		return
	}
	j.pending[r.Key] = r.Op
}

// rewrite replaces the file with the current state. Called with mu held or
// before the journal is shared.
func (j *journal) rewrite() error {
	if j.path == "" {
		return nil
	}
	tmp := j.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("failover blob: journal %q: %w", j.path, err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	cur := j.cursor
	_ = enc.Encode(record{Cursor: &cur})
	keys := make([]string, 0, len(j.pending))
	for k := range j.pending {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = enc.Encode(record{Key: k, Op: j.pending[k]})
	}
	err = errors.Join(w.Flush(), f.Sync(), f.Close(), os.Rename(tmp, j.path))
	if err != nil {
		return fmt.Errorf("failover blob: journal %q: %w", j.path, err)
	}
	if j.f != nil {
		_ = j.f.Close()
	}
	j.f, err = os.OpenFile(j.path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("failover blob: journal %q: %w", j.path, err)
	}
	return nil
}

// append writes r to the file and applies it.
func (j *journal) append(r record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.apply(r)
	if j.f == nil {
		return nil
	}
	b, _ := json.Marshal(r)
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("failover blob: journal %q: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("failover blob: journal %q: %w", j.path, err)
	}
	if len(j.pending) == 0 && (r.Op == opDone || r.Cursor != nil && *r.Cursor == "") {
		return j.rewrite() // compact: nothing owed, only the cursor is left
	}
	return nil
}

// set records that key is owed o.
func (j *journal) set(key string, o op) error { return j.append(record{Key: key, Op: o}) }

// done records that key is owed nothing, if it was still owed want.
func (j *journal) done(key string, want op) error {
	j.mu.Lock()
	cur, ok := j.pending[key]
	j.mu.Unlock()
	if !ok || cur != want {
		return nil
	}
	return j.append(record{Key: key, Op: opDone})
}

// clear records that key is owed nothing, whatever it was owed.
func (j *journal) clear(key string) error {
	j.mu.Lock()
	_, ok := j.pending[key]
	j.mu.Unlock()
	if !ok {
		return nil
	}
	return j.append(record{Key: key, Op: opDone})
}

// get returns what key is owed.
func (j *journal) get(key string) (op, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	o, ok := j.pending[key]
	return o, ok
}

// snapshot returns the owed keys in key order with their ops.
func (j *journal) snapshot() []record {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]record, 0, len(j.pending))
	for k, o := range j.pending {
		out = append(out, record{Key: k, Op: o})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Key < out[b].Key })
	return out
}

func (j *journal) len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
}

func (j *journal) getCursor() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cursor
}

func (j *journal) setCursor(c string) error { return j.append(record{Cursor: &c}) }

func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var err error
	if j.f != nil {
		err = j.f.Close()
		j.f = nil
	}
	if j.lock != nil {
		_ = j.lock.Close() // releases the flock
		j.lock = nil
	}
	return err
}
