package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/easelhq/easel/client"
)

const batchUsage = "usage: easel batch [--server URL] [--key KEY] [--size 1000] [--callback-url URL] FILE.jsonl"

// maxBatch is the most items the server takes in one batch.
const maxBatch = 1000

// batchCmd submits the task requests of a JSON Lines file
// ({"asset_id":"...","ops":["w_300"]} per line; blank lines and lines
// starting with # are skipped) in batches, and prints each batch's ID and
// counts. Every line is checked before anything is sent.
func batchCmd(ctx context.Context, args []string, env Env) error {
	var (
		r        remote
		size     int
		callback string
	)
	fs := newFlagSet("batch", env, &common{}, false)
	r.flags(fs)
	fs.IntVar(&size, "size", maxBatch, "task requests per batch (1..1000)")
	fs.StringVar(&callback, "callback-url", "", "callback URL of the items without one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || size < 1 || size > maxBatch {
		return usageError{batchUsage}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	defer f.Close()
	items, err := readTaskLines(f, fs.Arg(0))
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return fmt.Errorf("batch: %s has no task requests", fs.Arg(0))
	}
	c, err := r.client(env)
	if err != nil {
		return err
	}
	for start := 0; start < len(items); start += size {
		end := min(start+size, len(items))
		res, err := c.SubmitBatch(ctx, items[start:end], callback)
		if err != nil {
			return fmt.Errorf("batch: lines of items %d..%d: %w (%d items submitted before)", start+1, end, err, start)
		}
		fmt.Fprintf(env.Stdout, "batch %s: %d tasks (%s)\n", res.Batch.ID, res.Batch.Total, formatCounts(res.Batch.Counts))
	}
	fmt.Fprintf(env.Stdout, "submitted %d tasks\n", len(items))
	return nil
}

// readTaskLines parses the file; an error names the line.
func readTaskLines(r io.Reader, name string) ([]client.TaskRequest, error) {
	var items []client.TaskRequest
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		var it client.TaskRequest
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&it); err != nil {
			return nil, fmt.Errorf("batch: %s:%d: %w", name, line, err)
		}
		if it.AssetID == "" || len(it.Ops) == 0 {
			return nil, fmt.Errorf("batch: %s:%d: want {\"asset_id\":...,\"ops\":[...]}", name, line)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("batch: %s: %w", name, err)
	}
	return items, nil
}

func formatCounts[S ~string](counts map[S]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %d", k, counts[S(k)])
	}
	return out
}
