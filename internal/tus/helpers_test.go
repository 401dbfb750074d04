package tus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/fs"
)

// completed is one call of the test's CompleteFunc.
type completed struct {
	tenant   string
	id       string
	size     int64
	sha256   string
	metadata map[string]string
}

// bundle is a running Handler behind a real HTTP server, with a
// CompleteFunc that hashes what it reads.
type bundle struct {
	t      *testing.T
	url    string // the base URL of the uploads, e.g. http://127.0.0.1:1234/v1/uploads
	blobs  easel.BlobStore
	h      *Handler
	mu     sync.Mutex
	calls  []completed
	failer error // returned by the CompleteFunc when set
}

func fsStore(t testing.TB) easel.BlobStore {
	t.Helper()
	s, err := fs.New(fs.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	return s
}

// testAuth takes the tenant from "Bearer <tenant>"; tenant "capped" may
// upload 1000 bytes at most.
func testAuth(r *http.Request) (string, int64, error) {
	tenant, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tenant == "" {
		return "", 0, easel.Errorf(easel.CodeUnauthenticated, "missing key")
	}
	if tenant == "capped" {
		return tenant, 1000, nil
	}
	return tenant, 0, nil
}

// testWriteError stands for httpapi's error writer.
func testWriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := map[easel.Code]int{
		easel.CodeInvalidArgument: 400, easel.CodeUnauthenticated: 401, easel.CodeNotFound: 404,
		easel.CodeTooLarge: 413, easel.CodeUnsupportedMedia: 415, easel.CodeOverloaded: 429, easel.CodeDeadlineExceeded: 504,
	}[easel.ErrorCode(err)]
	if status == 0 {
		status = 500
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
		"code": string(easel.ErrorCode(err)), "message": easel.ErrorMessage(err)}})
}

func testConfig() Config {
	cfg := NewDefaultConfig()
	cfg.MaxSize = 300 << 20
	cfg.Expiry = time.Hour
	cfg.WriteError = testWriteError
	return cfg
}

func setup(t *testing.T, blobs easel.BlobStore, cfg Config) *bundle {
	t.Helper()
	b := &bundle{t: t, blobs: blobs}
	complete := func(ctx context.Context, tenant string, up Upload) (string, error) {
		rc, err := up.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		hash := sha256.New()
		n, err := io.Copy(hash, rc)
		if err != nil {
			return "", err
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		b.calls = append(b.calls, completed{tenant, up.ID, n, hex.EncodeToString(hash.Sum(nil)), up.Metadata})
		if b.failer != nil {
			return "", b.failer
		}
		return fmt.Sprintf("asset-%d", len(b.calls)), nil
	}
	h, err := New(cfg, blobs, complete, testAuth)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(cfg.BasePath, h)
	mux.Handle(cfg.BasePath+"/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b.url, b.h = srv.URL+cfg.BasePath, h
	return b
}

func (b *bundle) completions() []completed {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]completed(nil), b.calls...)
}

func (b *bundle) do(method, url, tenant string, hdr map[string]string, body io.Reader) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(b.t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	if tenant != "" {
		req.Header.Set("Authorization", "Bearer "+tenant)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if l, ok := hdr["Content-Length"]; ok {
		req.ContentLength, _ = strconv.ParseInt(l, 10, 64)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// create makes an upload of size bytes and returns its URL.
func (b *bundle) create(tenant string, size int64) string {
	b.t.Helper()
	resp := b.do(http.MethodPost, b.url, tenant, map[string]string{
		"Upload-Length": strconv.FormatInt(size, 10), "Upload-Metadata": "filename cGhvdG8uanBn"}, nil)
	require.Equal(b.t, http.StatusCreated, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.NotEmpty(b.t, loc)
	require.NotEmpty(b.t, resp.Header.Get("Upload-Expires"))
	return loc
}

func (b *bundle) patch(loc, tenant string, offset int64, body io.Reader, length int64) *http.Response {
	b.t.Helper()
	return b.do(http.MethodPatch, loc, tenant, map[string]string{
		"Upload-Offset": strconv.FormatInt(offset, 10), "Content-Type": "application/offset+octet-stream",
		"Content-Length": strconv.FormatInt(length, 10)}, body)
}

func (b *bundle) offset(loc, tenant string) int64 {
	b.t.Helper()
	resp := b.do(http.MethodHead, loc, tenant, nil, nil)
	require.Equal(b.t, http.StatusOK, resp.StatusCode)
	n, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	require.NoError(b.t, err)
	return n
}

// cutPatch sends a PATCH announcing length bytes on a raw connection, sends
// only the first send bytes of body, and closes the connection.
func (b *bundle) cutPatch(loc, tenant string, offset, length, send int64, body io.Reader) {
	b.t.Helper()
	u, err := url.Parse(loc)
	require.NoError(b.t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(b.t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer %s\r\n"+
		"Upload-Offset: %d\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n",
		u.Path, u.Host, tenant, offset, length)
	require.NoError(b.t, err)
	_, err = io.CopyN(conn, body, send)
	require.NoError(b.t, err)
}

// waitOffset waits until the stored record of the upload reaches want (a
// cut PATCH is still being stored for a moment after the connection
// closed), then checks HEAD says so. It polls the record, not HEAD: tusd
// lets a new request on an upload interrupt the one in progress, which is
// what a resuming client wants but would cut the stored bytes short here.
func (b *bundle) waitOffset(loc, tenant string, want int64) {
	b.t.Helper()
	id := loc[strings.LastIndex(loc, "/")+1:]
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec, err := b.h.store.loadRecord(context.Background(), id)
		require.NoError(b.t, err)
		if rec.Offset == want {
			break
		}
		require.True(b.t, time.Now().Before(deadline), "offset %d, want %d", rec.Offset, want)
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(b.t, want, b.offset(loc, tenant))
}

// prng is a seeded stream of pseudo-random bytes: the same seed gives the
// same bytes, without holding them in memory.
type prng struct{ r *rand.ChaCha8 }

func newPRNG(seed byte) *prng {
	var s [32]byte
	s[0] = seed
	return &prng{rand.NewChaCha8(s)}
}

func (p *prng) Read(b []byte) (int, error) { return p.r.Read(b) }

// streamAt returns the seeded stream from byte offset on.
func streamAt(seed byte, offset int64) io.Reader {
	p := newPRNG(seed)
	_, _ = io.CopyN(io.Discard, p, offset)
	return p
}

func streamSHA256(seed byte, size int64) string {
	h := sha256.New()
	_, _ = io.CopyN(h, newPRNG(seed), size)
	return hex.EncodeToString(h.Sum(nil))
}

// uploadKeys lists the blobs under uploads/<id>/.
func (b *bundle) uploadKeys(loc string) []string {
	b.t.Helper()
	id := loc[strings.LastIndex(loc, "/")+1:]
	var keys []string
	require.NoError(b.t, b.blobs.List(context.Background(), uploadPrefix(id), func(bi easel.BlobInfo) error {
		keys = append(keys, bi.Key)
		return nil
	}))
	return keys
}
