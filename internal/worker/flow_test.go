package worker

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
)

// upper is a processor that writes its text input in capitals, reporting
// progress half way.
type upper struct{}

func (upper) Spec() processor.Spec {
	return processor.Spec{Name: "upper", Inputs: []string{"text/plain"}, Outputs: map[string]string{"text": "text/plain"}}
}

func (upper) Run(_ context.Context, req processor.Request) ([]processor.Output, error) {
	in, err := os.ReadFile(req.Input.Path)
	if err != nil {
		return nil, err
	}
	req.Progress(0.5)
	p := filepath.Join(req.Dir, "text.txt")
	if err := os.WriteFile(p, bytes.ToUpper(in), 0o644); err != nil {
		return nil, err
	}
	return []processor.Output{{Name: "text", File: processor.File{Path: p, MIME: "text/plain"}}}, nil
}

// countingBlobs is a blob store in memory that counts the Puts per key.
type countingBlobs struct {
	mu   sync.Mutex
	data map[string][]byte
	puts map[string]int
}

func (b *countingBlobs) Put(_ context.Context, key string, r io.Reader) error {
	data, err := io.ReadAll(r)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data[key], b.puts[key] = data, b.puts[key]+1
	return err
}

func (b *countingBlobs) Get(_ context.Context, key string) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.data[key]
	if !ok {
		return nil, easel.Errorf(easel.CodeNotFound, "%s not found", key)
	}
	return io.NopCloser(bytes.NewReader(d)), nil
}

// progressFunc adapts a function to easel.ProgressStore.
type progressFunc func(id string, p float64)

func (f progressFunc) SetTaskProgress(_ context.Context, id string, p float64) (bool, error) {
	f(id, p)
	return true, nil
}

// TestFlowOutputsStoredOnce: a flow task's outputs are written to the blob
// store once, by the flow's journal, and the worker records them (key,
// size) without writing them again; progress reaches the task store.
func TestFlowOutputsStoredOnce(t *testing.T) {
	t.Parallel()
	reg, err := processor.NewRegistry(upper{})
	require.NoError(t, err)
	c, err := flow.Compile(flow.Flow{Name: "shout", Version: 1, Steps: []flow.Step{{ID: "up", Processor: "upper"}}, Outputs: []string{"up"}}, reg)
	require.NoError(t, err)
	cat, err := flow.NewCatalog(c)
	require.NoError(t, err)
	blobs := &countingBlobs{data: map[string][]byte{}, puts: map[string]int{}}
	var mu sync.Mutex
	var progress []float64
	fp := FlowProcessor{Catalog: cat, Runner: &flow.Runner{Registry: reg, TempDir: t.TempDir()}, Journal: blobs,
		Progress:      progressFunc(func(_ string, p float64) { mu.Lock(); progress = append(progress, p); mu.Unlock() }),
		ProgressEvery: time.Nanosecond}

	b := setup(t, Config{}, nil)
	b.w.blobs = blobs
	b.w.processors[easel.TaskFlow] = fp
	ops, err := easel.FlowTaskOps(easel.FlowCall{Flow: "shout", Version: 1})
	require.NoError(t, err)
	b.tasks.mu.Lock()
	tk := b.tasks.tasks[b.task.ID]
	tk.Ops, tk.Kind = ops, easel.TaskFlow
	b.tasks.tasks[b.task.ID] = tk
	b.tasks.mu.Unlock()
	b.w.loader = loaderFunc(func(context.Context, easel.Asset) ([]byte, error) { return []byte("quiet words"), nil })

	end, _ := b.deliver(t, 1).result()
	require.Equal(t, "ack", end)
	task, _ := b.tasks.get(b.task.ID)
	require.Equal(t, easel.TaskSucceeded, task.State, "%+v", task.Error)
	require.Len(t, task.Outputs, 1)
	out := task.Outputs[0]
	require.Equal(t, "up.text", out.Ops)
	require.Equal(t, []byte("QUIET WORDS"), blobs.data[out.Key])
	require.EqualValues(t, len("QUIET WORDS"), out.Bytes)
	require.Equal(t, 1, blobs.puts[out.Key], "the output is stored once")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []float64{0, 0.5, 1}, progress)
}
