package imports_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/imports"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/upload"
)

// queue records published tasks; the other methods are not called.
type queue struct {
	easel.Queue
	mu   sync.Mutex
	sent []easel.TaskMessage
}

func (q *queue) PublishTask(_ context.Context, m easel.TaskMessage) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent = append(q.sent, m)
	return nil
}

func (q *queue) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.sent)
}

type signer struct{}

func (signer) SignPath(context.Context, string, string, string, string) (string, error) {
	return "/i/sig", nil
}

func pngOf(t *testing.T, w int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, w, 1))))
	return b.Bytes()
}

type bundle struct {
	store    *sqlite.Store
	tenant   easel.Tenant // named "default", as sources list it
	acme     easel.Tenant
	queue    *queue
	tasks    *tasks.Tasks
	importer *imports.Importer
	uploads  atomic.Int32
	image    atomic.Pointer[[]byte] // what the origin serves at /products/a.png
}

// setup: a sqlite store with tenants "default" and "acme", an origin on
// loopback with two sources over it, the importer with an uploader that
// records the asset as the upload use case would, and tasks checking
// sources with it.
func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	b := &bundle{queue: &queue{}}
	img := pngOf(t, 2)
	b.image.Store(&img)
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "easel.db")})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	b.store = store
	b.tenant = easel.Tenant{ID: easel.NewID(), Name: "default", CreatedAt: time.Now()}
	b.acme = easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: time.Now()}
	require.NoError(t, store.CreateTenant(ctx, b.tenant))
	require.NoError(t, store.CreateTenant(ctx, b.acme))

	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/products/a.png" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(*b.image.Load())
	}))
	t.Cleanup(origin.Close)
	cfg := source.NewDefaultConfig()
	cfg.RevalidateAfter = 0 // every fetch asks the origin
	cfg.Origins = map[string]source.Origin{
		"shop": {URL: origin.URL + "/", AllowLoopback: true, Prefixes: []string{"/products/"}, Tenants: []string{"default"}},
		"acme": {URL: origin.URL + "/", AllowLoopback: true, Tenants: []string{b.acme.ID}},
	}
	fetcher, err := source.New(cfg, source.NewMemoryCache(1<<20))
	require.NoError(t, err)
	up := imports.UploadFunc(func(ctx context.Context, tenantID string, r upload.Request) (upload.Result, error) {
		b.uploads.Add(1)
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return upload.Result{}, err
		}
		sum := sha256.Sum256(data)
		a := easel.Asset{ID: easel.NewID(), TenantID: tenantID, SHA256: hex.EncodeToString(sum[:]), Format: "png",
			Width: 2, Height: 1, Pages: 1, Bytes: int64(len(data)), CreatedAt: time.Now()}
		return upload.Result{Asset: a}, store.CreateAsset(ctx, a)
	})
	b.importer = imports.New(fetcher, up, store)
	b.tasks = tasks.New(tasks.Config{Sources: b.importer}, store, store, b.queue, signer{}, slog.New(slog.DiscardHandler))
	return b
}

// TestHostileSources: a task, a batch or a flow run naming a source the
// tenant may not use, or a path outside it, is refused with a stable code
// before anything is stored or queued.
func TestHostileSources(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		tenant   string
		req      tasks.Request
		wantCode easel.Code
	}{
		{name: "unknown source", req: tasks.Request{Source: "nowhere", Path: "products/a.png"}, wantCode: easel.CodeNotFound},
		{name: "tenant not allowed", tenant: "acme", req: tasks.Request{Source: "shop", Path: "products/a.png"}, wantCode: easel.CodeNotFound},
		{name: "another tenant's source", req: tasks.Request{Source: "acme", Path: "products/a.png"}, wantCode: easel.CodeNotFound},
		{name: "outside the prefixes", req: tasks.Request{Source: "shop", Path: "private/a.png"}, wantCode: easel.CodePermissionDenied},
		{name: "dot segments", req: tasks.Request{Source: "shop", Path: "products/../private/a.png"}, wantCode: easel.CodeInvalidArgument},
		{name: "encoded slash", req: tasks.Request{Source: "shop", Path: "products%2f..%2fprivate/a.png"}, wantCode: easel.CodeInvalidArgument},
		{name: "a host of its own", req: tasks.Request{Source: "shop", Path: "//evil.example/a.png"}, wantCode: easel.CodeInvalidArgument},
		{name: "a scheme of its own", req: tasks.Request{Source: "shop", Path: "http:a.png"}, wantCode: easel.CodeInvalidArgument},
		{name: "no path", req: tasks.Request{Source: "shop"}, wantCode: easel.CodeInvalidArgument},
		{name: "path without source", req: tasks.Request{Path: "products/a.png"}, wantCode: easel.CodeInvalidArgument},
		{name: "asset and source", req: tasks.Request{AssetID: "x", Source: "shop", Path: "products/a.png"}, wantCode: easel.CodeInvalidArgument},
		{name: "nothing", req: tasks.Request{}, wantCode: easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant := b.tenant.ID
			if tt.tenant == "acme" {
				tenant = b.acme.ID
			}
			tt.req.Ops = []string{"w_10,f_png"}
			_, err := b.tasks.Submit(ctx, tenant, tasks.SubmitRequest{Task: tt.req})
			require.Error(t, err)
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), err.Error())

			good := tasks.Request{Source: "shop", Path: "products/a.png", Ops: []string{"w_1,f_png"}}
			if tt.tenant == "acme" {
				good.Source = "acme"
			}
			_, err = tasks.NewBatches(b.tasks).Submit(ctx, tenant, tasks.BatchRequest{Items: []tasks.Request{good, tt.req}})
			require.Error(t, err)
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), err.Error())
			require.Contains(t, err.Error(), "items[1]")

			if src, terr := tt.req.Target(); terr == nil && src != nil {
				_, err = b.tasks.SubmitFlow(ctx, tenant, tasks.FlowRequest{Source: src, Call: easel.FlowCall{Flow: "f", Version: 1}})
				require.Equal(t, tt.wantCode, easel.ErrorCode(err), "flow run: %v", err)
			}
		})
	}
	require.Zero(t, b.queue.count(), "nothing was queued")
	accepted, err := b.store.ListTasks(ctx, easel.TaskAccepted, time.Now().Add(time.Hour), 0)
	require.NoError(t, err)
	require.Empty(t, accepted, "nothing was stored")
	require.Zero(t, b.uploads.Load(), "nothing was fetched or imported")
}

// TestSubmitSource: a task on a source image is queued with its source and
// no asset; the source may list the tenant by ID or by name.
func TestSubmitSource(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	v, err := b.tasks.Submit(ctx, b.tenant.ID, tasks.SubmitRequest{Task: tasks.Request{Source: "shop", Path: "products/a.png", Ops: []string{"w_10,f_png"}}})
	require.NoError(t, err)
	require.Equal(t, &easel.TaskSource{Name: "shop", Path: "products/a.png"}, v.Source)
	require.Empty(t, v.AssetID)
	stored, err := b.store.GetTask(ctx, v.ID)
	require.NoError(t, err)
	require.Equal(t, v.Source, stored.Source)
	require.Equal(t, 1, b.queue.count())

	fv, err := b.tasks.SubmitFlow(ctx, b.acme.ID, tasks.FlowRequest{Source: &easel.TaskSource{Name: "acme", Path: "any/where.png"}, Call: easel.FlowCall{Flow: "f", Version: 1}})
	require.NoError(t, err, "listed by ID")
	require.Equal(t, easel.TaskFlow, fv.Kind)
	require.Zero(t, b.uploads.Load(), "submitting fetches nothing")
}

// TestImport: the worker's import makes one asset per tenant, source, path
// and content: again for the same bytes, a new one when they change or the
// asset was deleted; the tenant and the path are checked again.
func TestImport(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	src := easel.TaskSource{Name: "shop", Path: "products/a.png"}

	a1, err := b.importer.Import(ctx, b.tenant.ID, src)
	require.NoError(t, err)
	require.Equal(t, b.tenant.ID, a1.TenantID)
	again, err := b.importer.Import(ctx, b.tenant.ID, easel.TaskSource{Name: "shop", Path: "/products/a.png"})
	require.NoError(t, err)
	require.Equal(t, a1.ID, again.ID, "the same image at the same path is one asset")
	require.Equal(t, int32(1), b.uploads.Load())

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			a, err := b.importer.Import(ctx, b.tenant.ID, src)
			if err == nil && a.ID != a1.ID {
				t.Errorf("concurrent import made asset %s", a.ID)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(1), b.uploads.Load())

	changed := pngOf(t, 3)
	b.image.Store(&changed)
	a2, err := b.importer.Import(ctx, b.tenant.ID, src)
	require.NoError(t, err)
	require.NotEqual(t, a1.ID, a2.ID, "other bytes at the path are another asset")

	_, err = b.store.DeleteAsset(ctx, a2.ID)
	require.NoError(t, err)
	a3, err := b.importer.Import(ctx, b.tenant.ID, src)
	require.NoError(t, err)
	require.NotEqual(t, a2.ID, a3.ID, "a deleted asset is imported again")
	require.Equal(t, int32(3), b.uploads.Load())

	_, err = b.importer.Import(ctx, b.acme.ID, src)
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err), "tenant checked again at import")
	_, err = b.importer.Import(ctx, b.tenant.ID, easel.TaskSource{Name: "shop", Path: "products/missing.png"})
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err))
	_, err = b.importer.Import(ctx, b.tenant.ID, easel.TaskSource{Name: "shop", Path: "secret.png"})
	require.Equal(t, easel.CodePermissionDenied, easel.ErrorCode(err))
	require.Equal(t, int32(3), b.uploads.Load())
}
