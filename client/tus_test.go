package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	"golang.org/x/exp/slog"
)

// tusServer is a real tusd v2 handler with its file store at /v1/uploads/,
// answering the completing PATCH with Easel-Asset-Id as easel does.
type tusServer struct {
	srv     *httptest.Server
	dir     string
	methods sync.Map // method -> *atomic.Int32
	meta    sync.Map // upload ID -> metadata
}

func newTusServer(t *testing.T) *tusServer {
	t.Helper()
	ts := &tusServer{dir: t.TempDir()}
	composer := tusd.NewStoreComposer()
	filestore.New(ts.dir).UseIn(composer)
	memorylocker.New().UseIn(composer)
	h, err := tusd.NewHandler(tusd.Config{
		BasePath:                         "/v1/uploads/",
		StoreComposer:                    composer,
		GracefulRequestCompletionTimeout: 100 * time.Millisecond,
		Logger:                           slog.New(slog.NewTextHandler(io.Discard, nil)),
		PreFinishResponseCallback: func(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
			ts.meta.Store(ev.Upload.ID, ev.Upload.MetaData)
			return tusd.HTTPResponse{Header: tusd.HTTPHeader{"Easel-Asset-Id": "asset-" + ev.Upload.ID}}, nil
		},
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/v1/uploads/", http.StripPrefix("/v1/uploads/", h))
	mux.Handle("/v1/uploads", http.StripPrefix("/v1/uploads", h))
	ts.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := ts.methods.LoadOrStore(r.Method, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *tusServer) count(method string) int32 {
	n, ok := ts.methods.Load(method)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

// cutter closes the client's connection once the bytes written through all
// its connections pass each of the cut points: a cable pulled mid-upload.
type cutter struct {
	mu      sync.Mutex
	written int64
	cuts    []int64
	done    int
}

func (c *cutter) transport() *http.Transport {
	var d net.Dialer
	return &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &cutConn{Conn: conn, c: c}, nil
	}}
}

type cutConn struct {
	net.Conn
	c *cutter
}

func (cc *cutConn) Write(b []byte) (int, error) {
	c := cc.c
	c.mu.Lock()
	if len(c.cuts) > 0 && c.written+int64(len(b)) > c.cuts[0] {
		keep := max(c.cuts[0]-c.written, 0)
		c.written = c.cuts[0] + 1
		c.cuts = c.cuts[1:]
		c.done++
		c.mu.Unlock()
		n, _ := cc.Conn.Write(b[:keep])
		cc.Conn.Close()
		return n, net.ErrClosed
	}
	c.written += int64(len(b))
	c.mu.Unlock()
	return cc.Conn.Write(b)
}

func randomFile(t *testing.T, size int) (string, [32]byte) {
	t.Helper()
	b := make([]byte, size)
	_, _ = rand.Read(b)
	p := filepath.Join(t.TempDir(), "big.bin")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p, sha256.Sum256(b)
}

func storedSum(t *testing.T, ts *tusServer, assetID string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ts.dir, assetID[len("asset-"):]))
	require.NoError(t, err)
	return sha256.Sum256(b)
}

func TestTusResumesAfterCutConnections(t *testing.T) {
	t.Parallel()
	ts := newTusServer(t)
	const size = 5 << 20
	path, sum := randomFile(t, size)
	cut := &cutter{cuts: []int64{size / 3, 2 * size / 3}}
	c, err := New([]string{ts.srv.URL}, WithAPIKey("tok"), WithHTTPClient(&http.Client{Transport: cut.transport()}),
		WithBackoff(10*time.Millisecond, 100*time.Millisecond))
	require.NoError(t, err)
	var last atomic.Int64
	res, err := c.UploadResumable(context.Background(), ResumableRequest{
		UploadRequest: UploadRequest{Path: path, Ops: []string{"w_300"}, Metadata: map[string]string{"album": "x"},
			Progress: func(sent, total int64) { last.Store(sent) }},
		ChunkSize: 2 << 20,
	})
	require.NoError(t, err)
	require.Equal(t, 2, cut.done, "the connection was cut twice")
	require.NotEmpty(t, res.AssetID, "the completing PATCH names the asset")
	require.Equal(t, sum, storedSum(t, ts, res.AssetID), "the stored bytes are the file's")
	require.EqualValues(t, 1, ts.count(http.MethodPost), "one upload, resumed, not restarted")
	require.GreaterOrEqual(t, ts.count(http.MethodHead), int32(2), "each cut is followed by a HEAD")
	require.EqualValues(t, size, last.Load())
	m, ok := ts.meta.Load(res.AssetID[len("asset-"):])
	require.True(t, ok)
	require.Equal(t, tusd.MetaData{"filename": "big.bin", "ops": `["w_300"]`, "album": "x"}, m)
}

func TestTusResumesAcrossRuns(t *testing.T) {
	t.Parallel()
	ts := newTusServer(t)
	const size = 3 << 20
	path, sum := randomFile(t, size)
	store, err := NewDirStore(t.TempDir())
	require.NoError(t, err)

	// First run: the connection is cut and this client does not retry.
	cut := &cutter{cuts: []int64{size / 2}}
	c1, err := New([]string{ts.srv.URL}, WithRetries(1), WithHTTPClient(&http.Client{Transport: cut.transport()}))
	require.NoError(t, err)
	_, err = c1.UploadResumable(context.Background(), ResumableRequest{UploadRequest: UploadRequest{Path: path}, ChunkSize: size, Store: store})
	require.Error(t, err)
	u, ok := store.Get(fingerprint(path))
	require.True(t, ok, "the unfinished upload is remembered")
	// The server saves what a cut PATCH carried once it sees the connection
	// end, which may come after the client gave up: wait for it.
	require.Eventually(t, func() bool { return headOffset(t, ts.srv.URL+u) > 0 }, 10*time.Second, 20*time.Millisecond,
		"the server keeps the bytes that arrived before the cut")

	// Second run, a new client: it resumes from the server's offset.
	c2, err := New([]string{ts.srv.URL})
	require.NoError(t, err)
	res, err := c2.UploadResumable(context.Background(), ResumableRequest{UploadRequest: UploadRequest{Path: path}, ChunkSize: size, Store: store})
	require.NoError(t, err)
	require.Equal(t, u, res.URL)
	require.Positive(t, res.Resumed, "bytes stored before the cut are not sent again")
	require.Less(t, res.Resumed, int64(size))
	require.Equal(t, sum, storedSum(t, ts, res.AssetID))
	require.EqualValues(t, 1, ts.count(http.MethodPost))
	_, ok = store.Get(fingerprint(path))
	require.False(t, ok, "a finished upload is forgotten")
}

func TestTusExpiredUploadStartsOver(t *testing.T) {
	t.Parallel()
	ts := newTusServer(t)
	path, sum := randomFile(t, 100<<10)
	store, err := NewDirStore(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, store.Put(fingerprint(path), "/v1/uploads/gone"))
	c, err := New([]string{ts.srv.URL}, WithRetries(1))
	require.NoError(t, err)
	res, err := c.UploadResumable(context.Background(), ResumableRequest{UploadRequest: UploadRequest{Path: path}, Store: store})
	require.NoError(t, err)
	require.Zero(t, res.Resumed)
	require.Equal(t, sum, storedSum(t, ts, res.AssetID))
}

func TestTusRefusesUnseekableReader(t *testing.T) {
	t.Parallel()
	c, err := New([]string{"http://127.0.0.1:1"})
	require.NoError(t, err)
	_, err = c.UploadResumable(context.Background(), ResumableRequest{UploadRequest: UploadRequest{Reader: bytes.NewBufferString("x")}})
	require.ErrorContains(t, err, "io.ReadSeeker")
}

// headOffset asks the tus server for an upload's offset.
func headOffset(t *testing.T, url string) int64 {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, url, nil)
	require.NoError(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	off, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		return -1
	}
	return off
}
