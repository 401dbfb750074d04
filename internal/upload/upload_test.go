package upload_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/upload"
	"github.com/easelhq/easel/transform"
)

// engineFuncs is an Engine made of functions: "images" here are any bytes
// starting with "IMG", 10x20 pixels.
type engineFuncs struct {
	probe  func(data []byte) (transform.Source, error)
	raster func(ctx context.Context, data []byte, maxSide int) ([]byte, int, int, error)
}

func (e engineFuncs) Probe(data []byte) (transform.Source, error) { return e.probe(data) }
func (e engineFuncs) Raster(ctx context.Context, data []byte, maxSide int) ([]byte, int, int, error) {
	return e.raster(ctx, data, maxSide)
}

func fakeEngine() engineFuncs {
	return engineFuncs{
		probe: func(data []byte) (transform.Source, error) {
			if !bytes.HasPrefix(data, []byte("IMG")) {
				return transform.Source{}, easel.Errorf(easel.CodeUnsupportedMedia, "not an image")
			}
			return transform.Source{Format: transform.FormatPNG, Width: 10, Height: 20, Pages: 1}, nil
		},
		raster: func(_ context.Context, _ []byte, maxSide int) ([]byte, int, int, error) {
			return make([]byte, 8*8*3), 8, 8, nil
		},
	}
}

// storeFuncs is a Store made of functions.
type storeFuncs struct {
	create  func(ctx context.Context, a easel.Asset) error
	similar func(ctx context.Context, tenantID string, phash uint64, maxDistance, limit int, excludeID string) ([]easel.Similar, error)
}

func (s storeFuncs) CreateAsset(ctx context.Context, a easel.Asset) error { return s.create(ctx, a) }
func (s storeFuncs) SimilarAssets(ctx context.Context, tenantID string, phash uint64, maxDistance, limit int, excludeID string) ([]easel.Similar, error) {
	return s.similar(ctx, tenantID, phash, maxDistance, limit, excludeID)
}

// tasksFuncs is a Tasks made of functions.
type tasksFuncs struct {
	validate func(req tasks.Request) (tasks.Spec, error)
	submit   func(ctx context.Context, tenantID, assetID string, spec tasks.Spec, wait time.Duration) (tasks.View, error)
	analysis func(ctx context.Context, a easel.Asset) (easel.Task, error)
	levels   func(ctx context.Context, a easel.Asset) (easel.Task, error)
}

func (f tasksFuncs) Validate(req tasks.Request) (tasks.Spec, error) { return f.validate(req) }
func (f tasksFuncs) SubmitSpec(ctx context.Context, tenantID, assetID string, spec tasks.Spec, wait time.Duration) (tasks.View, error) {
	return f.submit(ctx, tenantID, assetID, spec, wait)
}
func (f tasksFuncs) SubmitAnalysis(ctx context.Context, a easel.Asset) (easel.Task, error) {
	return f.analysis(ctx, a)
}
func (f tasksFuncs) SubmitLevels(ctx context.Context, a easel.Asset) (easel.Task, error) {
	return f.levels(ctx, a)
}

// memBlobs is an easel.BlobStore in memory.
type memBlobs struct {
	mu   sync.Mutex
	data map[string][]byte
}

func (m *memBlobs) Put(_ context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = b
	return err
}
func (m *memBlobs) Get(context.Context, string) (io.ReadCloser, error) { panic("not used") }
func (m *memBlobs) Stat(_ context.Context, key string) (easel.BlobInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.data[key]; ok {
		return easel.BlobInfo{Key: key, Size: int64(len(b))}, nil
	}
	return easel.BlobInfo{}, easel.Errorf(easel.CodeNotFound, "no blob %s", key)
}
func (m *memBlobs) Delete(context.Context, string) error { panic("not used") }
func (m *memBlobs) List(context.Context, string, func(easel.BlobInfo) error) error {
	panic("not used")
}
func (m *memBlobs) Ping(context.Context) error { return nil }

var _ easel.BlobStore = (*memBlobs)(nil)

// calls records what the use case did.
type calls struct {
	created   []easel.Asset
	similar   [][2]int // maxDistance, limit
	validated int
	submitted []string // asset IDs
	waits     []time.Duration
	analyses  int
	levels    int
}

func setup(cfg upload.Config, withTasks bool) (*upload.Uploads, *calls, *memBlobs) {
	c := &calls{}
	blobs := &memBlobs{data: map[string][]byte{}}
	store := storeFuncs{
		create: func(_ context.Context, a easel.Asset) error { c.created = append(c.created, a); return nil },
		similar: func(_ context.Context, _ string, _ uint64, maxDistance, limit int, _ string) ([]easel.Similar, error) {
			c.similar = append(c.similar, [2]int{maxDistance, limit})
			return []easel.Similar{{AssetID: "near", Distance: 2}}, nil
		},
	}
	var ts upload.Tasks
	if withTasks {
		ts = tasksFuncs{
			validate: func(req tasks.Request) (tasks.Spec, error) {
				c.validated++
				if strings.Contains(strings.Join(req.Ops, ","), "bad") {
					return tasks.Spec{}, easel.Errorf(easel.CodeInvalidArgument, "bad ops")
				}
				return tasks.Spec{}, nil
			},
			submit: func(_ context.Context, _, assetID string, _ tasks.Spec, wait time.Duration) (tasks.View, error) {
				c.submitted, c.waits = append(c.submitted, assetID), append(c.waits, wait)
				return tasks.View{Task: easel.Task{ID: "task", AssetID: assetID, State: easel.TaskQueued}}, nil
			},
			analysis: func(_ context.Context, a easel.Asset) (easel.Task, error) {
				c.analyses++
				return easel.Task{ID: "analysis-" + a.ID}, nil
			},
			levels: func(_ context.Context, a easel.Asset) (easel.Task, error) {
				c.levels++
				return easel.Task{ID: "levels-" + a.ID}, nil
			},
		}
	}
	return upload.New(cfg, store, blobs, fakeEngine(), ts, slog.New(slog.DiscardHandler)), c, blobs
}

var defaults = upload.Config{MaxUploadBytes: 16, MaxUploads: 2, MaxPixels: 1000, MaxPages: 1, Analyze: true, NearDistance: 6, NearLimit: 3}

func TestUpload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         func(*upload.Config)
		noTasks     bool
		req         upload.Request
		wantCode    easel.Code
		wantStored  bool
		wantTask    bool
		wantAnalyze bool
	}{
		{name: "stored, analysed, near duplicates searched", req: upload.Request{Name: "a/b.png", Body: strings.NewReader("IMG-data")},
			wantStored: true, wantAnalyze: true},
		{name: "exactly the byte limit", req: upload.Request{Body: strings.NewReader("IMG-456789abcdef")}, wantStored: true, wantAnalyze: true},
		{name: "one byte over the limit", req: upload.Request{Body: strings.NewReader("IMG-456789abcdefX")}, wantCode: easel.CodeTooLarge},
		{name: "one byte over the limit in a buffer", req: upload.Request{Body: bytes.NewBufferString("IMG-456789abcdefX")}, wantCode: easel.CodeTooLarge},
		{name: "empty", req: upload.Request{Body: strings.NewReader("")}, wantCode: easel.CodeInvalidArgument},
		{name: "not an image", req: upload.Request{Body: strings.NewReader("GIF")}, wantCode: easel.CodeUnsupportedMedia},
		{name: "too many pixels", cfg: func(c *upload.Config) { c.MaxPixels = 199 }, req: upload.Request{Body: strings.NewReader("IMG")}, wantCode: easel.CodeTooLarge},
		{name: "analysis skipped", req: upload.Request{Body: strings.NewReader("IMG"), SkipAnalysis: true}, wantStored: true},
		{name: "analysis off on the server", cfg: func(c *upload.Config) { c.Analyze = false }, req: upload.Request{Body: strings.NewReader("IMG")}, wantStored: true},
		{name: "with operations", req: upload.Request{Body: strings.NewReader("IMG"), Task: &tasks.Request{Ops: []string{"w_10"}}, Wait: time.Second, SkipAnalysis: true},
			wantStored: true, wantTask: true},
		{name: "bad operations store nothing", req: upload.Request{Body: strings.NewReader("IMG"), Task: &tasks.Request{Ops: []string{"bad"}}}, wantCode: easel.CodeInvalidArgument},
		{name: "operations without a task queue", noTasks: true, req: upload.Request{Body: strings.NewReader("IMG"), Task: &tasks.Request{Ops: []string{"w_10"}}}, wantCode: easel.CodeInvalidArgument},
		{name: "no operations without a task queue", noTasks: true, req: upload.Request{Body: strings.NewReader("IMG"), Task: &tasks.Request{}}, wantStored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaults
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			u, c, blobs := setup(cfg, !tt.noTasks)
			res, err := u.Upload(context.Background(), "tenant", tt.req)
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%v", err)
			if !tt.wantStored {
				require.Empty(t, c.created)
				require.Empty(t, blobs.data)
				require.Empty(t, c.submitted)
				return
			}
			require.Len(t, c.created, 1)
			a := c.created[0]
			require.Equal(t, a, res.Asset)
			require.Equal(t, "tenant", a.TenantID)
			require.Equal(t, 10, a.Width)
			require.Equal(t, 20, a.Height)
			require.NotContains(t, a.Name, "/")
			require.Contains(t, blobs.data, easel.OriginalKey(a.SHA256))
			if tt.wantAnalyze {
				require.Equal(t, 1, c.analyses)
				require.Equal(t, "analysis-"+a.ID, res.AnalysisTaskID)
				require.Equal(t, [][2]int{{6, 3}}, c.similar, "the configured distance and limit")
				require.Equal(t, []easel.Similar{{AssetID: "near", Distance: 2}}, res.NearDuplicates)
			} else {
				require.Zero(t, c.analyses)
				require.Empty(t, c.similar)
			}
			if tt.wantTask {
				require.Equal(t, 1, c.validated, "operations are validated once")
				require.Equal(t, []string{a.ID}, c.submitted)
				require.Equal(t, []time.Duration{time.Second}, c.waits)
				require.NotNil(t, res.Task)
				require.Equal(t, a.ID, res.Task.AssetID)
			} else {
				require.Nil(t, res.Task)
			}
		})
	}
}

func TestUploadSlotsBoundConcurrentReads(t *testing.T) {
	t.Parallel()
	cfg := defaults
	cfg.MaxUploads = 1
	u, _, _ := setup(cfg, true)
	// The first upload holds the only slot while its body is read.
	pr, pw := io.Pipe()
	first := make(chan error, 1)
	go func() {
		_, err := u.Upload(context.Background(), "tenant", upload.Request{Body: pr, SkipAnalysis: true})
		first <- err
	}()
	_, err := pw.Write([]byte("IMG")) // returns once the first upload reads: it holds the slot
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = u.Upload(ctx, "tenant", upload.Request{Body: strings.NewReader("IMG")})
	require.Equal(t, easel.CodeDeadlineExceeded, easel.ErrorCode(err))
	require.NoError(t, pw.Close())
	require.NoError(t, <-first)
	_, err = u.Upload(context.Background(), "tenant", upload.Request{Body: strings.NewReader("IMG")})
	require.NoError(t, err, "the slot is free again")
}

func TestUploadQueuesLevels(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		levels bool
		skip   bool // ?analyze=false: the levels do not depend on it
		want   int
	}{
		{name: "pyramid on", levels: true, want: 1},
		{name: "pyramid on, analysis skipped", levels: true, skip: true, want: 1},
		{name: "pyramid off", levels: false, want: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaults
			cfg.Levels = tt.levels
			u, c, _ := setup(cfg, true)
			res, err := u.Upload(context.Background(), "tenant", upload.Request{Body: strings.NewReader("IMG-456789"), SkipAnalysis: tt.skip})
			require.NoError(t, err)
			require.Equal(t, tt.want, c.levels)
			if tt.want > 0 {
				require.Equal(t, "levels-"+res.ID, res.LevelsTaskID)
			} else {
				require.Empty(t, res.LevelsTaskID)
			}
		})
	}
}
