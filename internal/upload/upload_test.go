package upload_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
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
			format := transform.FormatWebP
			if bytes.HasPrefix(data, []byte("IMG-jpeg")) {
				format = transform.FormatJPEG
			}
			return transform.Source{Format: format, Width: 10, Height: 20, Pages: 1}, nil
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
func (s storeFuncs) GetAsset(context.Context, string) (easel.Asset, error) {
	return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "no asset")
}
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
func (f tasksFuncs) Get(context.Context, string, string) (tasks.View, error) {
	return tasks.View{}, easel.Errorf(easel.CodeNotFound, "no task")
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
		{name: "JPEG with its end", req: upload.Request{Body: strings.NewReader("IMG-jpeg\xff\xda..\xff\xd9")}, wantStored: true, wantAnalyze: true},
		{name: "truncated JPEG", req: upload.Request{Body: strings.NewReader("IMG-jpeg\xff\xd9\xff\xda..")}, wantCode: easel.CodeUnsupportedMedia},
		{name: "truncated JPEG unverified", req: upload.Request{Body: strings.NewReader("IMG-jpeg\xff\xda.."), SkipVerify: true}, wantStored: true, wantAnalyze: true},
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

func TestSlowBodyHoldsNoSlot(t *testing.T) {
	t.Parallel()
	cfg := defaults
	cfg.MaxUploads = 1
	u, _, _ := setup(cfg, true)
	// The first upload's body is still arriving: it holds no slot.
	pr, pw := io.Pipe()
	first := make(chan error, 1)
	go func() {
		_, err := u.Upload(context.Background(), "tenant", upload.Request{Body: pr, SkipAnalysis: true})
		first <- err
	}()
	_, err := pw.Write([]byte("IMG")) // returns once the first upload reads
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = u.Upload(ctx, "tenant", upload.Request{Body: strings.NewReader("IMG")})
	require.NoError(t, err, "a complete body is checked while another is still arriving")
	require.NoError(t, pw.Close())
	require.NoError(t, <-first)
}

func TestSlotBoundsChecks(t *testing.T) {
	t.Parallel()
	cfg := defaults
	cfg.MaxUploads = 1
	u, _, _ := setup(cfg, true)
	entered, unblock := make(chan struct{}), make(chan struct{})
	eng := fakeEngine()
	probe := eng.probe
	var once sync.Once
	eng.probe = func(data []byte) (transform.Source, error) {
		if bytes.Equal(data, []byte("IMG-slow")) {
			once.Do(func() { close(entered) })
			<-unblock
		}
		return probe(data)
	}
	u = upload.New(cfg, storeFuncs{create: func(context.Context, easel.Asset) error { return nil }}, &memBlobs{data: map[string][]byte{}}, eng, nil, slog.New(slog.DiscardHandler))
	first := make(chan error, 1)
	go func() {
		_, err := u.Upload(context.Background(), "tenant", upload.Request{Body: strings.NewReader("IMG-slow")})
		first <- err
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := u.Upload(ctx, "tenant", upload.Request{Body: strings.NewReader("IMG")})
	require.Equal(t, easel.CodeDeadlineExceeded, easel.ErrorCode(err), "the only slot is held by the first check")
	close(unblock)
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

// trickle sends one byte every interval.
type trickle struct {
	data     []byte
	interval time.Duration
}

func (tr *trickle) Read(p []byte) (int, error) {
	if len(tr.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(tr.interval)
	p[0] = tr.data[0]
	tr.data = tr.data[1:]
	return 1, nil
}

func TestMinimumRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		minRate  int64
		interval time.Duration
		wantCode easel.Code
	}{
		{name: "too slow after the grace", minRate: 100, interval: 20 * time.Millisecond, wantCode: easel.CodeRequestTimeout},
		{name: "fast enough", minRate: 10, interval: 5 * time.Millisecond},
		{name: "check off", minRate: 0, interval: 20 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaults
			cfg.MinRate, cfg.RateGrace, cfg.TempDir = tt.minRate, 50*time.Millisecond, t.TempDir()
			u, c, _ := setup(cfg, true)
			var deadlines []time.Time
			_, err := u.Upload(context.Background(), "tenant", upload.Request{
				Body:            &trickle{data: []byte("IMG-456789ab"), interval: tt.interval},
				SkipAnalysis:    true,
				SetReadDeadline: func(d time.Time) error { deadlines = append(deadlines, d); return nil },
			})
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%v", err)
			if tt.wantCode != "" {
				require.Empty(t, c.created)
			}
			if tt.minRate > 0 {
				require.NotEmpty(t, deadlines, "the connection's deadline follows the rate")
				require.True(t, deadlines[len(deadlines)-1].IsZero(), "and is restored at the end")
			}
			entries, err := os.ReadDir(cfg.TempDir)
			require.NoError(t, err)
			require.Empty(t, entries, "the temporary file is removed")
		})
	}
}

// rulesFunc adapts a function to upload.RuleRunner.
type rulesFunc func(ctx context.Context, tenantID, assetID, region, callbackURL string, wait time.Duration) (*tasks.View, error)

func (f rulesFunc) RunRules(ctx context.Context, tenantID, assetID, region, callbackURL string, wait time.Duration) (*tasks.View, error) {
	return f(ctx, tenantID, assetID, region, callbackURL, wait)
}

func TestUploadRoutesThroughRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		req      upload.Request
		ruleErr  error
		wantRun  bool
		wantTask bool
	}{
		{name: "no operations: the rules run", req: upload.Request{Task: &tasks.Request{Region: "eu"}}, wantRun: true, wantTask: true},
		{name: "rules=false", req: upload.Request{SkipRules: true}, wantRun: false},
		{name: "operations: no rules", req: upload.Request{Task: &tasks.Request{Ops: []string{"w_10"}}}, wantRun: false, wantTask: true},
		{name: "a flow that cannot start keeps the upload", req: upload.Request{}, ruleErr: easel.Errorf(easel.CodeInvalidArgument, "bad flow"), wantRun: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ran []string
			cfg := defaults
			cfg.Rules = rulesFunc(func(_ context.Context, tenantID, assetID, region, _ string, _ time.Duration) (*tasks.View, error) {
				ran = append(ran, tenantID+"/"+assetID+"/"+region)
				if tt.ruleErr != nil {
					return nil, tt.ruleErr
				}
				return &tasks.View{}, nil
			})
			u, c, _ := setup(cfg, true)
			req := tt.req
			req.Body, req.SkipAnalysis = strings.NewReader("IMG-456789"), true
			res, err := u.Upload(context.Background(), "tenant", req)
			require.NoError(t, err)
			require.Len(t, c.created, 1, "the asset is stored")
			if tt.wantRun {
				region := ""
				if tt.req.Task != nil {
					region = tt.req.Task.Region
				}
				require.Equal(t, []string{"tenant/" + res.ID + "/" + region}, ran)
			} else {
				require.Empty(t, ran)
			}
			require.Equal(t, tt.wantTask, res.Task != nil)
		})
	}
}
