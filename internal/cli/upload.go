package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/easelhq/easel/client"
)

const uploadUsage = "usage: easel upload [--server URL] [--key KEY] [--ops OPS]... [--flow NAME] [--wait] [--parallel 8] [--resumable-over SIZE] PATH..."

// uploadResult is one file's outcome, a row of the summary table.
type uploadResult struct {
	path    string
	size    int64
	assetID string
	task    string // task state, or "-" without operations
	took    time.Duration
	err     error
}

type uploadOptions struct {
	remote
	ops           stringList
	flow          string
	wait          bool
	parallel      int
	resumableOver byteSize
	resumeDir     string
}

// uploadCmd uploads files and folders (recursively) with the SDK, several at
// a time, and prints a summary table. Files over --resumable-over go through
// tus and resume across runs from the resume store.
func uploadCmd(ctx context.Context, args []string, env Env) error {
	var o uploadOptions
	o.resumableOver = 32 << 20
	fset := newFlagSet("upload", env, &common{}, false)
	o.remote.flags(fset)
	fset.Var(&o.ops, "ops", "operations to render after the upload (repeat for several outputs)")
	fset.StringVar(&o.flow, "flow", "", "flow to run on each uploaded asset")
	fset.BoolVar(&o.wait, "wait", false, "wait until each file's task is final")
	fset.IntVar(&o.parallel, "parallel", 8, "files uploaded at once")
	fset.Var(&o.resumableOver, "resumable-over", "files larger than this use resumable (tus) uploads")
	fset.StringVar(&o.resumeDir, "resume-dir", "", "where unfinished resumable uploads are remembered (default: the user's cache dir)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() == 0 {
		return usageError{uploadUsage}
	}
	if o.parallel < 1 || o.parallel > 256 {
		return usageError{"upload: --parallel must be 1..256\n" + uploadUsage}
	}
	c, err := o.remote.client(env)
	if err != nil {
		return err
	}
	files, sizes, err := collectFiles(fset.Args())
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("upload: no files under %s", strings.Join(fset.Args(), " "))
	}
	var store client.ResumeStore
	if o.resumeDir == "" {
		if o.resumeDir, err = client.DefaultResumeDir(); err != nil {
			return err
		}
	}
	if store, err = client.NewDirStore(o.resumeDir); err != nil {
		return err
	}
	var total int64
	for _, s := range sizes {
		total += s
	}
	prog := newProgress(env.Stdout, isTerminal(env.Stdout), len(files), total)
	results := make([]uploadResult, len(files))
	stopTicker := make(chan struct{})
	var tickerDone sync.WaitGroup
	if prog.terminal {
		tickerDone.Add(1)
		go func() {
			defer tickerDone.Done()
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					prog.tick()
				case <-stopTicker:
					return
				}
			}
		}()
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(o.parallel, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = o.uploadOne(ctx, c, store, prog, files[i], sizes[i])
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			results[i] = uploadResult{path: files[i], size: sizes[i], err: ctx.Err()}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	close(stopTicker)
	tickerDone.Wait()
	prog.end()
	return printSummary(env, results)
}

// uploadOne uploads a file, by tus when it is large, and waits for its task
// when asked.
func (o *uploadOptions) uploadOne(ctx context.Context, c *client.Client, store client.ResumeStore, prog *progress, path string, size int64) uploadResult {
	start := time.Now()
	res := uploadResult{path: path, size: size, task: "-"}
	prog.begin(path, size)
	req := client.UploadRequest{Path: path, Ops: o.ops, Flow: o.flow, Progress: func(sent, _ int64) { prog.update(path, sent) }}
	var task *client.Task
	if size > int64(o.resumableOver) {
		r, err := c.UploadResumable(ctx, client.ResumableRequest{UploadRequest: req, Store: store})
		switch {
		case err == nil:
			res.assetID = r.AssetID
		case errors.Is(err, client.ErrNotFound) && r.URL == "":
			// The server has no tus endpoint: a plain upload.
			res.assetID, task, res.err = o.plain(ctx, c, req)
		default:
			res.err = err
		}
	} else {
		res.assetID, task, res.err = o.plain(ctx, c, req)
	}
	if res.err == nil && task != nil {
		res.task = string(task.State)
		if o.wait && !task.State.Final() {
			if t, err := c.WaitTask(ctx, task.ID, nil); err != nil {
				res.err = err
			} else {
				res.task = string(t.State)
			}
		}
		if res.task == "dead" {
			res.err = fmt.Errorf("task %s is dead", task.ID)
		}
	}
	res.took = time.Since(start)
	line := fmt.Sprintf("ok   %s  asset %s  %s  %s", path, res.assetID, humanBytes(size), res.took.Round(time.Millisecond))
	if task != nil {
		line += fmt.Sprintf("  task %s %s", task.ID, res.task)
	}
	if res.err != nil {
		line = fmt.Sprintf("FAIL %s  %v", path, res.err)
	}
	prog.finish(path, size, line)
	return res
}

func (o *uploadOptions) plain(ctx context.Context, c *client.Client, req client.UploadRequest) (string, *client.Task, error) {
	r, err := c.Upload(ctx, req)
	if err != nil {
		return "", nil, err
	}
	return r.Asset.ID, r.Task, nil
}

// collectFiles expands folders recursively (skipping hidden entries) and
// returns the regular files, sorted within each folder, and their sizes.
func collectFiles(paths []string) ([]string, []int64, error) {
	var files []string
	var sizes []int64
	seen := map[string]bool{}
	add := func(p string, size int64) {
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
			sizes = append(sizes, size)
		}
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			return nil, nil, fmt.Errorf("upload: %w", err)
		}
		if st.Mode().IsRegular() {
			add(root, st.Size())
			continue
		}
		if !st.IsDir() {
			return nil, nil, fmt.Errorf("upload: %q is neither a file nor a folder", root)
		}
		var found []string
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("upload: %w", err)
		}
		sort.Strings(found)
		for _, p := range found {
			st, err := os.Stat(p)
			if err != nil {
				return nil, nil, fmt.Errorf("upload: %w", err)
			}
			add(p, st.Size())
		}
	}
	return files, sizes, nil
}

// printSummary prints the table of files and fails when any file failed.
func printSummary(env Env, results []uploadResult) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tASSET\tTASK\tBYTES\tTIME\tERROR")
	failed := 0
	for _, r := range results {
		msg := ""
		if r.err != nil {
			failed++
			msg = r.err.Error()
		}
		asset := r.assetID
		if asset == "" {
			asset = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.path, asset, r.task, r.size, r.took.Round(time.Millisecond), msg)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("upload: %d of %d files failed", failed, len(results))
	}
	fmt.Fprintf(env.Stdout, "uploaded %d files\n", len(results))
	return nil
}
