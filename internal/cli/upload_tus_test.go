package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"golang.org/x/exp/slog"
)

// TestUploadLargeFilesGoThroughTus runs `easel upload` against a real tusd
// handler at /v1/uploads (answering the completing PATCH with
// Easel-Asset-Id, as easel's does) and against a server without it, where
// large files fall back to a plain upload.
func TestUploadLargeFilesGoThroughTus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big.jpg")
	small := filepath.Join(dir, "small.jpg")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("x"), 300<<10), 0o644))
	require.NoError(t, os.WriteFile(small, []byte("tiny"), 0o644))

	var plain atomic.Int32
	assets := func(w http.ResponseWriter, r *http.Request) {
		plain.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"plain-asset"}`)
	}
	store := filestore.New(t.TempDir())
	composer := tusd.NewStoreComposer()
	store.UseIn(composer)
	h, err := tusd.NewHandler(tusd.Config{
		BasePath: "/v1/uploads/", StoreComposer: composer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PreFinishResponseCallback: func(ev tusd.HookEvent) (tusd.HTTPResponse, error) {
			return tusd.HTTPResponse{Header: tusd.HTTPHeader{"Easel-Asset-Id": "tus-asset"}}, nil
		},
	})
	require.NoError(t, err)
	withTus := http.NewServeMux()
	withTus.HandleFunc("POST /v1/assets", assets)
	withTus.Handle("/v1/uploads/", http.StripPrefix("/v1/uploads/", h))
	withTus.Handle("/v1/uploads", http.StripPrefix("/v1/uploads", h))
	without := http.NewServeMux()
	without.HandleFunc("POST /v1/assets", assets)
	without.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"no route"}}`)
	})

	cases := []struct {
		name      string
		handler   http.Handler
		bigAsset  string
		plainPOST int32
	}{
		{"server with tus", withTus, "tus-asset", 1},
		{"server without tus falls back", without, "plain-asset", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			plain.Store(0)
			var out, errb bytes.Buffer
			code := Run(context.Background(), []string{"upload", "--server", srv.URL, "--resumable-over", "100KiB",
				"--resume-dir", t.TempDir(), "--parallel", "1", big, small},
				Env{Stdout: &out, Stderr: &errb, Environ: []string{"EASEL_API_KEY=ek_x"}})
			require.Equal(t, 0, code, "%s\n%s", out.String(), errb.String())
			require.Contains(t, out.String(), "ok   "+big+"  asset "+tc.bigAsset)
			require.Contains(t, out.String(), "ok   "+small+"  asset plain-asset")
			require.Equal(t, tc.plainPOST, plain.Load())
			require.False(t, strings.Contains(out.String(), "\x1b"))
		})
	}
}
