package purge_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/purge"
)

func TestBanReachesEveryCacheAndLogsFailures(t *testing.T) {
	t.Parallel()
	got := make(chan string, 4)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.URL.Path + " " + r.Header.Get("X-Easel-Ban")
	}))
	t.Cleanup(ok.Close)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	var logs bytes.Buffer
	b := purge.New(purge.Config{URLs: []string{ok.URL, slow.URL}, Timeout: 200 * time.Millisecond}, slog.New(slog.NewTextHandler(&logs, nil)))

	start := time.Now()
	b.Ban(context.Background(), "asset1")
	require.Less(t, time.Since(start), 2*time.Second, "a cache that does not answer is given up after the timeout")
	require.Equal(t, "BAN / asset1", <-got)
	require.Contains(t, logs.String(), "front cache ban failed")
	require.Contains(t, logs.String(), slow.URL)

	var none *purge.Banner = purge.New(purge.Config{}, slog.Default())
	none.Ban(context.Background(), "x") // no URLs: nothing to do
}
