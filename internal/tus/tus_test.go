package tus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

const kib, mib = 1 << 10, 1 << 20

// resumeScenario creates an upload, PATCHes it in chunks, cuts a PATCH
// mid-body, checks the offset through a second handler on the same store (a
// restarted server), resumes and completes it.
func resumeScenario(t *testing.T, blobs easel.BlobStore) {
	b := setup(t, blobs, testConfig())
	const size = 3 * mib
	const seed = 7
	loc := b.create("a", size)

	resp := b.patch(loc, "a", 0, io.LimitReader(streamAt(seed, 0), mib), mib)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, fmt.Sprint(mib), resp.Header.Get("Upload-Offset"))
	require.NotEmpty(t, resp.Header.Get("Upload-Expires"))
	require.Empty(t, resp.Header.Get("Easel-Asset-Id"))

	b.cutPatch(loc, "a", mib, 2*mib, 700*kib, streamAt(seed, mib))
	b.waitOffset(loc, "a", mib+700*kib)

	// A server started afresh on the same store knows the upload.
	b2 := setup(t, blobs, testConfig())
	loc2 := b2.url + loc[strings.LastIndex(loc, "/"):]
	require.Equal(t, int64(mib+700*kib), b2.offset(loc2, "a"))

	resp = b2.patch(loc2, "a", mib+700*kib, streamAt(seed, mib+700*kib), size-(mib+700*kib))
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "asset-1", resp.Header.Get("Easel-Asset-Id"))
	require.Empty(t, resp.Header.Get("Upload-Expires"))
	require.Empty(t, b.completions())
	calls := b2.completions()
	require.Len(t, calls, 1)
	require.Equal(t, "a", calls[0].tenant)
	require.Equal(t, int64(size), calls[0].size)
	require.Equal(t, streamSHA256(seed, size), calls[0].sha256)
	require.Equal(t, map[string]string{"filename": "photo.jpg"}, calls[0].metadata)

	head := b.do(http.MethodHead, loc, "a", nil, nil)
	require.Equal(t, http.StatusOK, head.StatusCode)
	require.Equal(t, "asset-1", head.Header.Get("Easel-Asset-Id"))
	require.Equal(t, fmt.Sprint(size), head.Header.Get("Upload-Offset"))
	// The parts are gone; the record stays so HEAD can name the asset.
	require.Len(t, b.uploadKeys(loc), 1)

	// A repeated completing PATCH does not complete twice.
	resp = b.patch(loc, "a", size, bytes.NewReader(nil), 0)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "asset-1", resp.Header.Get("Easel-Asset-Id"))
	require.Len(t, append(b.completions(), b2.completions()...), 1)
}

func TestResumeFS(t *testing.T) {
	t.Parallel()
	resumeScenario(t, fsStore(t))
}

func TestLargeUploadCutTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB upload")
	}
	t.Parallel()
	b := setup(t, fsStore(t), testConfig())
	const size, seed = 200_000_000, 42
	loc := b.create("a", size)
	offset := int64(0)
	for _, send := range []int64{70_000_000, 65_000_000} {
		b.cutPatch(loc, "a", offset, size-offset, send, streamAt(seed, offset))
		offset += send
		b.waitOffset(loc, "a", offset)
	}
	resp := b.patch(loc, "a", offset, streamAt(seed, offset), size-offset)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "asset-1", resp.Header.Get("Easel-Asset-Id"))
	calls := b.completions()
	require.Len(t, calls, 1)
	require.Equal(t, int64(size), calls[0].size)
	require.Equal(t, streamSHA256(seed, size), calls[0].sha256)
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Expiry, cfg.JanitorInterval = time.Second, 100*time.Millisecond
	b := setup(t, fsStore(t), cfg)
	loc := b.create("a", 1000)
	resp := b.patch(loc, "a", 0, strings.NewReader(strings.Repeat("x", 400)), 400)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	expires, err := http.ParseTime(resp.Header.Get("Upload-Expires"))
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Second), expires, 2*time.Second)
	require.Len(t, b.uploadKeys(loc), 2)

	require.NoError(t, b.h.Start(context.Background()))
	t.Cleanup(b.h.Stop)
	require.Eventually(t, func() bool { return len(b.uploadKeys(loc)) == 0 }, 5*time.Second, 50*time.Millisecond)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodHead, loc, "a", nil, nil).StatusCode)
	b.h.Stop()
	b.h.Stop() // idempotent
	n, err := b.h.Sweep(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	b := setup(t, fsStore(t), testConfig())
	loc := b.create("a", 1000)
	require.Equal(t, http.StatusNoContent, b.patch(loc, "a", 0, strings.NewReader("hello"), 5).StatusCode)
	tests := []struct {
		name string
		do   func() *http.Response
	}{
		{"head", func() *http.Response { return b.do(http.MethodHead, loc, "b", nil, nil) }},
		{"patch", func() *http.Response { return b.patch(loc, "b", 5, strings.NewReader("evil"), 4) }},
		{"delete", func() *http.Response { return b.do(http.MethodDelete, loc, "b", nil, nil) }},
		{"malformed id", func() *http.Response { return b.do(http.MethodHead, b.url+"/..%2f..%2finfo.json", "a", nil, nil) }},
		{"nested id", func() *http.Response { return b.do(http.MethodHead, loc+"/info.json", "a", nil, nil) }},
		{"override to delete", func() *http.Response {
			return b.do(http.MethodPost, loc, "b", map[string]string{"X-HTTP-Method-Override": "DELETE"}, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, http.StatusNotFound, tt.do().StatusCode)
		})
	}
	require.Equal(t, int64(5), b.offset(loc, "a"))
	require.Equal(t, http.StatusNoContent, b.do(http.MethodDelete, loc, "a", nil, nil).StatusCode)
	require.Empty(t, b.uploadKeys(loc))
	require.Equal(t, http.StatusNotFound, b.do(http.MethodHead, loc, "a", nil, nil).StatusCode)
}

func TestCreateLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, fsStore(t), testConfig())
	tests := []struct {
		name   string
		tenant string
		hdr    map[string]string
		status int
		code   easel.Code
	}{
		{"ok", "a", map[string]string{"Upload-Length": "1000"}, 201, ""},
		{"over max size", "a", map[string]string{"Upload-Length": fmt.Sprint(300<<20 + 1)}, 413, easel.CodeTooLarge},
		{"over token cap", "capped", map[string]string{"Upload-Length": "1001"}, 413, easel.CodeTooLarge},
		{"within token cap", "capped", map[string]string{"Upload-Length": "1000"}, 201, ""},
		{"no length", "a", nil, 400, easel.CodeInvalidArgument},
		{"negative length", "a", map[string]string{"Upload-Length": "-1"}, 400, easel.CodeInvalidArgument},
		{"deferred length", "a", map[string]string{"Upload-Defer-Length": "1"}, 400, easel.CodeInvalidArgument},
		{"concatenation", "a", map[string]string{"Upload-Length": "10", "Upload-Concat": "partial"}, 400, easel.CodeInvalidArgument},
		{"metadata too big", "a", map[string]string{"Upload-Length": "10", "Upload-Metadata": "k " + strings.Repeat("A", 5000)}, 400, easel.CodeInvalidArgument},
		{"no key", "", map[string]string{"Upload-Length": "10"}, 401, easel.CodeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, b.url, nil)
			require.NoError(t, err)
			req.Header.Set("Tus-Resumable", "1.0.0")
			if tt.tenant != "" {
				req.Header.Set("Authorization", "Bearer "+tt.tenant)
			}
			for k, v := range tt.hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode)
			if tt.code != "" {
				var body struct{ Error struct{ Code easel.Code } }
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
				require.Equal(t, tt.code, body.Error.Code)
			}
		})
	}
}

func TestCompleteFailureDeletesUpload(t *testing.T) {
	t.Parallel()
	b := setup(t, fsStore(t), testConfig())
	b.failer = easel.Errorf(easel.CodeUnsupportedMedia, "not an image easel can read")
	loc := b.create("a", 10)
	req, err := http.NewRequest(http.MethodPatch, loc, strings.NewReader("0123456789"))
	require.NoError(t, err)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer a")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Empty(t, resp.Header.Get("Easel-Asset-Id"))
	var body struct {
		Error struct{ Code, Message string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "unsupported_media", body.Error.Code)
	require.Equal(t, "not an image easel can read", body.Error.Message)
	require.Len(t, b.completions(), 1)
	require.Empty(t, b.uploadKeys(loc))
	require.Equal(t, http.StatusNotFound, b.do(http.MethodHead, loc, "a", nil, nil).StatusCode)
}

// rawPatch sends a PATCH header announcing length bytes on a raw connection
// and returns the connection for the test to feed.
func rawPatch(t *testing.T, loc string, offset, length int64) net.Conn {
	u, err := url.Parse(loc)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer a\r\n"+
		"Upload-Offset: %d\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n",
		u.Path, u.Host, offset, length)
	require.NoError(t, err)
	return conn
}

func TestSlowClients(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.ReadTimeout, cfg.MinRate, cfg.RateGrace = 500*time.Millisecond, mib, 200*time.Millisecond
	b := setup(t, fsStore(t), cfg)

	t.Run("trickle below the minimum rate", func(t *testing.T) {
		loc := b.create("a", 1000)
		conn := rawPatch(t, loc, 0, 1000)
		_, err := conn.Write(make([]byte, 100))
		require.NoError(t, err)
		time.Sleep(400 * time.Millisecond)
		_, err = conn.Write(make([]byte, 100))
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusGatewayTimeout, resp.StatusCode) // deadline_exceeded in testWriteError
		b.waitOffset(loc, "a", 200)
	})
	t.Run("stall past the read timeout", func(t *testing.T) {
		loc := b.create("a", 1000)
		conn := rawPatch(t, loc, 0, 1000)
		_, err := conn.Write(make([]byte, 300))
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, _ = io.ReadAll(conn) // the server answers and closes
		require.Less(t, time.Since(start), 5*time.Second)
		b.waitOffset(loc, "a", 300)
	})
}

func TestOptionsAdvertisesExpiration(t *testing.T) {
	t.Parallel()
	b := setup(t, fsStore(t), testConfig())
	resp := b.do(http.MethodOptions, b.url, "", nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Tus-Extension"), "expiration")
	require.Contains(t, resp.Header.Get("Tus-Extension"), "termination")
	require.Equal(t, fmt.Sprint(300<<20), resp.Header.Get("Tus-Max-Size"))
}

func TestJanitorLeavesUploadInProgress(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Expiry, cfg.MinRate = time.Second, 0
	b := setup(t, fsStore(t), cfg)
	loc := b.create("a", 1000)
	conn := rawPatch(t, loc, 0, 1000)
	_, err := conn.Write(make([]byte, 100))
	require.NoError(t, err)
	time.Sleep(1500 * time.Millisecond) // the record has expired; the PATCH still runs
	n, err := b.h.Sweep(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	require.NoError(t, conn.Close())
	b.waitOffset(loc, "a", 100) // the PATCH's bytes were kept and renewed the expiry
	n, err = b.h.Sweep(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	time.Sleep(1100 * time.Millisecond)
	n, err = b.h.Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Empty(t, b.uploadKeys(loc))
}

type scopeKey struct{}

// The CompleteFunc's context carries the values of the completing request's
// context: an upload token's scope (ops, flow), put there by the router's
// authentication middleware, reaches the upload use case.
func TestCompleteSeesRequestContext(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	got := make(chan any, 1)
	h, err := New(cfg, fsStore(t), func(ctx context.Context, tenant string, up Upload) (string, error) {
		got <- ctx.Value(scopeKey{})
		return "asset-x", nil
	}, testAuth)
	require.NoError(t, err)
	withScope := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), scopeKey{}, r.Header.Get("X-Scope"))))
	})
	srv := httptest.NewServer(withScope)
	t.Cleanup(srv.Close)
	b := &bundle{t: t, url: srv.URL + cfg.BasePath, h: h}
	loc := b.create("a", 3)
	resp := b.do(http.MethodPatch, loc, "a", map[string]string{"Upload-Offset": "0", "X-Scope": "ops=w_300",
		"Content-Type": "application/offset+octet-stream", "Content-Length": "3"}, strings.NewReader("abc"))
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "asset-x", resp.Header.Get("Easel-Asset-Id"))
	require.Equal(t, "ops=w_300", <-got)
}

// An empty upload completes with its creation: the 201 names the asset.
func TestEmptyUploadCompletesOnCreation(t *testing.T) {
	t.Parallel()
	b := setup(t, fsStore(t), testConfig())
	resp := b.do(http.MethodPost, b.url, "a", map[string]string{"Upload-Length": "0"}, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, "asset-1", resp.Header.Get("Easel-Asset-Id"))
	require.Equal(t, "1.0.0", resp.Header.Get("Tus-Resumable"))
	calls := b.completions()
	require.Len(t, calls, 1)
	require.Zero(t, calls[0].size)
	refused := b.do(http.MethodPost, b.url, "", map[string]string{"Upload-Length": "0"}, nil)
	require.Equal(t, http.StatusUnauthorized, refused.StatusCode)
	require.Equal(t, "1.0.0", refused.Header.Get("Tus-Resumable"))
}

// A completion that fails for the server's reasons keeps the upload; a
// PATCH at its end completes it again.
func TestCompleteRetryAfterServerFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, fsStore(t), testConfig())
	b.failer = easel.Errorf(easel.CodeOverloaded, "too many uploads; retry later")
	loc := b.create("a", 10)
	resp := b.patch(loc, "a", 0, strings.NewReader("0123456789"), 10)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Easel-Asset-Id"))
	require.Len(t, b.uploadKeys(loc), 2) // record and part kept
	require.Equal(t, int64(10), b.offset(loc, "a"))

	// Another tenant cannot trigger the retry.
	require.Equal(t, http.StatusNotFound, b.patch(loc, "b", 10, strings.NewReader(""), 0).StatusCode)

	b.mu.Lock()
	b.failer = nil
	b.mu.Unlock()
	resp = b.patch(loc, "a", 10, strings.NewReader(""), 0)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "asset-2", resp.Header.Get("Easel-Asset-Id"))
	require.Equal(t, "10", resp.Header.Get("Upload-Offset"))
	calls := b.completions()
	require.Len(t, calls, 2)
	require.Equal(t, calls[0].sha256, calls[1].sha256)
	head := b.do(http.MethodHead, loc, "a", nil, nil)
	require.Equal(t, "asset-2", head.Header.Get("Easel-Asset-Id"))
	// Completed: a further PATCH does not complete again.
	require.Equal(t, "asset-2", b.patch(loc, "a", 10, strings.NewReader(""), 0).Header.Get("Easel-Asset-Id"))
	require.Len(t, b.completions(), 2)
}
