package tus

import (
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

const benchSize = 200_000_000

// repeatReader yields n bytes cycling through a random block: a cheap
// source, so the client does not compete with the server for CPU.
type repeatReader struct {
	block []byte
	left  int64
	pos   int
}

func newRepeatReader(n int64) *repeatReader {
	block := make([]byte, 4<<20)
	r := rand.NewChaCha8([32]byte{9})
	_, _ = r.Read(block)
	return &repeatReader{block: block, left: n}
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := copy(p, r.block[r.pos:])
	r.pos = (r.pos + n) % len(r.block)
	r.left -= int64(n)
	return n, nil
}

// plainUpload is a single-request upload handler streaming the body to the
// blob store, optionally through SHA-256 (what the upload use case does).
func plainUpload(blobs easel.BlobStore, hash bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if hash {
			body = io.TeeReader(r.Body, sha256.New())
		}
		if err := blobs.Put(r.Context(), "plain/"+easel.NewID(), body); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
}

// BenchmarkThroughput compares a 200 MB tus upload (one PATCH, or 4 of
// 50 MB) with a plain single-request upload to the same blob store. "hash"
// variants read the bytes through SHA-256 as the upload use case does: the
// plain upload while it streams, tus when it completes (reading the parts
// back).
func BenchmarkThroughput(b *testing.B) {
	for _, hash := range []bool{false, true} {
		name := map[bool]string{false: "store", true: "hash"}[hash]
		b.Run("plain/"+name, func(b *testing.B) {
			blobs := fsStore(b)
			srv := httptest.NewServer(plainUpload(blobs, hash))
			defer srv.Close()
			b.SetBytes(benchSize)
			defer reportCPU(b)()
			for b.Loop() {
				resp, err := http.Post(srv.URL, "application/octet-stream", newRepeatReader(benchSize))
				require.NoError(b, err)
				resp.Body.Close()
				require.Equal(b, http.StatusCreated, resp.StatusCode)
			}
		})
		for _, chunks := range []int64{1, 4} {
			b.Run("tus/"+name+"/patches-"+strconv.FormatInt(chunks, 10), func(b *testing.B) {
				benchTus(b, hash, chunks)
			})
		}
	}
}

func benchTus(b *testing.B, hash bool, chunks int64) {
	blobs := fsStore(b)
	cfg := testConfig()
	complete := func(ctx context.Context, tenant string, up Upload) (string, error) {
		if hash {
			rc, err := up.Open()
			if err != nil {
				return "", err
			}
			defer rc.Close()
			if _, err := io.Copy(sha256.New(), rc); err != nil {
				return "", err
			}
		}
		return "asset", nil
	}
	h, err := New(cfg, blobs, complete, testAuth)
	require.NoError(b, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	b.SetBytes(benchSize)
	defer reportCPU(b)()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+cfg.BasePath, nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer a")
		req.Header.Set("Upload-Length", strconv.Itoa(benchSize))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		resp.Body.Close()
		require.Equal(b, http.StatusCreated, resp.StatusCode)
		loc := resp.Header.Get("Location")
		src := newRepeatReader(benchSize)
		var assetID string
		for i, per := int64(0), benchSize/chunks; i < chunks; i++ {
			req, _ := http.NewRequest(http.MethodPatch, loc, io.LimitReader(src, per))
			req.ContentLength = per
			req.Header.Set("Tus-Resumable", "1.0.0")
			req.Header.Set("Authorization", "Bearer a")
			req.Header.Set("Upload-Offset", strconv.FormatInt(i*per, 10))
			req.Header.Set("Content-Type", "application/offset+octet-stream")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(b, err)
			resp.Body.Close()
			require.Equal(b, http.StatusNoContent, resp.StatusCode)
			assetID = resp.Header.Get("Easel-Asset-Id")
		}
		require.Equal(b, "asset", assetID)
	}
}

// reportCPU reports the process's CPU time (user+system, client and server)
// per operation: less disturbed than wall time on a shared machine.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric((cpu()-start).Seconds()/float64(b.N), "cpu-s/op") }
}
