package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

// Blobs is the part of easel.BlobStore a BlobJournal needs: Put stores
// atomically, Get of a missing key returns a not_found error.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

var _ Blobs = easel.BlobStore(nil)

// BlobJournal is a Journal in blob storage under a prefix (the task's, e.g.
// "tasks/<id>/"), so a retry on any worker resumes where the last attempt
// failed. A step's files go to <prefix><step>/<index>-<output><ext>; its
// record, <prefix><step>/outputs.json, is written last and marks the step
// finished. The files' keys are the outputs' Meta["key"], for the worker
// to list them on the task.
type BlobJournal struct {
	Blobs  Blobs
	Prefix string
}

var _ Journal = BlobJournal{}

// journalRecord is what outputs.json holds.
type journalRecord struct {
	Outputs []journalOutput `json:"outputs"`
}

type journalOutput struct {
	processor.Output
	Key string `json:"key"`
}

// Key returns the blob key of a step's output file.
func (j BlobJournal) Key(stepID string, o processor.Output) string {
	return fmt.Sprintf("%s%s/%d-%s%s", j.Prefix, stepID, o.Index, o.Name, processor.ExtOf(o.File.MIME))
}

// Save implements Journal.
func (j BlobJournal) Save(ctx context.Context, stepID string, outs []processor.Output) error {
	rec := journalRecord{Outputs: make([]journalOutput, len(outs))}
	for i, o := range outs {
		key := j.Key(stepID, o)
		f, err := os.Open(o.File.Path)
		if err != nil {
			return fmt.Errorf("flow journal: %w", err)
		}
		err = j.Blobs.Put(ctx, key, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("flow journal: put %q: %w", key, err)
		}
		rec.Outputs[i] = journalOutput{Output: o, Key: key}
		if outs[i].Meta == nil {
			outs[i].Meta = map[string]any{}
		}
		outs[i].Meta["key"] = key
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("flow journal: %w", err)
	}
	key := j.Prefix + stepID + "/outputs.json"
	if err := j.Blobs.Put(ctx, key, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("flow journal: put %q: %w", key, err)
	}
	return nil
}

// Load implements Journal: the files of a finished step are fetched into
// dir.
func (j BlobJournal) Load(ctx context.Context, stepID, dir string) ([]processor.Output, bool, error) {
	key := j.Prefix + stepID + "/outputs.json"
	rc, err := j.Blobs.Get(ctx, key)
	if easel.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("flow journal: get %q: %w", key, err)
	}
	var rec journalRecord
	err = json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&rec)
	rc.Close()
	if err != nil {
		return nil, false, fmt.Errorf("flow journal: %q: %w", key, err)
	}
	outs := make([]processor.Output, len(rec.Outputs))
	for i, r := range rec.Outputs {
		o := r.Output
		o.File.Path = filepath.Join(dir, filepath.Base(r.Key))
		if err := j.fetch(ctx, r.Key, o.File.Path); err != nil {
			return nil, false, err
		}
		if o.Meta == nil {
			o.Meta = map[string]any{}
		}
		o.Meta["key"] = r.Key
		outs[i] = o
	}
	return outs, true, nil
}

func (j BlobJournal) fetch(ctx context.Context, key, path string) error {
	rc, err := j.Blobs.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("flow journal: get %q: %w", key, err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("flow journal: %w", err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return fmt.Errorf("flow journal: get %q: %w", key, err)
	}
	return f.Close()
}
