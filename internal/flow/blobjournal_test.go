package flow_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow"
)

// memBlobs is a map-backed flow.Blobs.
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (b *memBlobs) Put(_ context.Context, key string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[key] = data
	return nil
}

func (b *memBlobs) Get(_ context.Context, key string) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.m[key]
	if !ok {
		return nil, easel.Errorf(easel.CodeNotFound, "no blob %q", key)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// TestBlobJournalResumesOnAnotherWorker: the first attempt fails at the
// middle step; a second runner (another worker: fresh temp dir, fresh
// journal value, same blobs) resumes without redoing the first step.
func TestBlobJournalResumesOnAnotherWorker(t *testing.T) {
	var a, b, c atomic.Int32
	var broken atomic.Bool
	broken.Store(true)
	reg := registry(t, appender("first", &a, nil), appender("middle", &b, func() error {
		if broken.Load() {
			return easel.Errorf(easel.CodeOverloaded, "busy")
		}
		return nil
	}), appender("last", &c, nil))
	cf, err := flow.Parse([]byte(`
name: three
steps:
  - {id: a, processor: first, params: {text: A}}
  - {id: b, processor: middle, input: a, params: {text: B}}
  - {id: c, processor: last, input: b, params: {text: C}}
`), reg)
	require.NoError(t, err)
	blobs := &memBlobs{m: map[string][]byte{}}
	in := textFile(t, ">")

	_, err = (&flow.Runner{Registry: reg, TempDir: t.TempDir()}).Run(context.Background(), cf, in, flow.BlobJournal{Blobs: blobs, Prefix: "tasks/t1/"}, nil)
	step, _ := flow.FailedStep(err)
	require.Equal(t, "b", step)
	require.Equal(t, easel.CodeOverloaded, easel.ErrorCode(err))
	require.Contains(t, blobs.m, "tasks/t1/a/outputs.json")
	require.Equal(t, ">A", string(blobs.m["tasks/t1/a/0-text.txt"]))

	broken.Store(false)
	res, err := (&flow.Runner{Registry: reg, TempDir: t.TempDir()}).Run(context.Background(), cf, in, flow.BlobJournal{Blobs: blobs, Prefix: "tasks/t1/"}, nil)
	require.NoError(t, err)
	defer res.Close()
	require.Equal(t, int32(1), a.Load(), "not redone")
	require.True(t, res.Steps[0].Resumed)
	data, _ := os.ReadFile(res.Outputs[0].Output.File.Path)
	require.Equal(t, ">ABC", string(data))
	require.Equal(t, "tasks/t1/c/0-text.txt", res.Outputs[0].Output.Meta["key"])
	require.Equal(t, ">ABC", string(blobs.m["tasks/t1/c/0-text.txt"]))
}
