package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// answer is one scripted answer of a fake origin.
type answer struct {
	status     int
	retryAfter string
	body       string
}

// origin is a fake easel origin answering from a script, then 200 {}.
type origin struct {
	srv   *httptest.Server
	hits  atomic.Int32
	mu    sync.Mutex
	plan  []answer
	seen  [][]byte
	auths []string
}

func newOrigin(t *testing.T, plan ...answer) *origin {
	o := &origin{plan: plan}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		o.mu.Lock()
		o.seen = append(o.seen, b)
		o.auths = append(o.auths, r.Header.Get("Authorization"))
		a := answer{status: 200, body: `{"id":"t1","state":"succeeded"}`}
		if len(o.plan) > 0 {
			a, o.plan = o.plan[0], o.plan[1:]
		}
		o.mu.Unlock()
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// deadURL is an address nothing listens on.
func deadURL(t *testing.T) string {
	s := httptest.NewServer(http.NotFoundHandler())
	u := s.URL
	s.Close()
	return u
}

const overloaded = `{"error":{"code":"overloaded","message":"the render queue is full"}}`

func TestRetriesAndFailover(t *testing.T) {
	t.Parallel()
	type want struct {
		code   easel.Code // "" : success
		hits   []int32    // per origin
		sleeps []time.Duration
	}
	cases := []struct {
		name  string
		plans [][]answer
		dead  bool // a dead origin first
		ctx   time.Duration
		want  want
	}{
		{
			name:  "429 honours Retry-After seconds",
			plans: [][]answer{{{status: 429, retryAfter: "2", body: overloaded}}},
			want:  want{hits: []int32{2}, sleeps: []time.Duration{2 * time.Second}},
		},
		{
			name:  "429 does not switch origin",
			plans: [][]answer{{{status: 429, retryAfter: "1", body: overloaded}}, {}},
			want:  want{hits: []int32{2, 0}, sleeps: []time.Duration{time.Second}},
		},
		{
			name:  "503 falls over to the next origin at once",
			plans: [][]answer{{{status: 503, body: overloaded}}, {}},
			want:  want{hits: []int32{1, 1}},
		},
		{
			name:  "502 from a proxy (not JSON) falls over",
			plans: [][]answer{{{status: 502, body: "<html>bad gateway</html>"}}, {}},
			want:  want{hits: []int32{1, 1}},
		},
		{
			name:  "a dead origin falls over",
			plans: [][]answer{{}},
			dead:  true,
			want:  want{hits: []int32{1}},
		},
		{
			name:  "400 is final",
			plans: [][]answer{{{status: 400, body: `{"error":{"code":"invalid_argument","message":"ops: bad"}}`}}, {}},
			want:  want{code: easel.CodeInvalidArgument, hits: []int32{1, 0}},
		},
		{
			name:  "attempts are bounded",
			plans: [][]answer{{{status: 503}, {status: 503}, {status: 503}}},
			want:  want{code: easel.CodeOverloaded, hits: []int32{3}, sleeps: []time.Duration{-1, -1}},
		},
		{
			name:  "Retry-After past the deadline gives up at once",
			plans: [][]answer{{{status: 429, retryAfter: "30", body: overloaded}}},
			ctx:   time.Second,
			want:  want{code: easel.CodeOverloaded, hits: []int32{1}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var eps []string
			var origins []*origin
			if tc.dead {
				eps = append(eps, deadURL(t))
			}
			for _, p := range tc.plans {
				o := newOrigin(t, p...)
				origins = append(origins, o)
				eps = append(eps, o.srv.URL)
			}
			c, err := New(eps, WithAPIKey("ek_test"), WithRetries(3), WithBackoff(time.Millisecond, 5*time.Second))
			require.NoError(t, err)
			var sleeps []time.Duration
			c.sleep = func(ctx context.Context, d time.Duration) error {
				if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
					return context.DeadlineExceeded
				}
				sleeps = append(sleeps, d)
				return nil
			}
			ctx := context.Background()
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
			}
			task, err := c.GetTask(ctx, "t1")
			if tc.want.code == "" {
				require.NoError(t, err)
				require.Equal(t, "t1", task.ID)
			} else {
				require.Error(t, err)
				require.Equal(t, tc.want.code, CodeOf(err), "%v", err)
				require.True(t, errors.Is(err, &Error{Code: tc.want.code}))
			}
			for i, o := range origins {
				require.Equal(t, tc.want.hits[i], o.hits.Load(), "origin %d", i)
				for _, a := range o.auths {
					require.Equal(t, "Bearer ek_test", a)
				}
			}
			require.Len(t, sleeps, len(tc.want.sleeps))
			for i, d := range tc.want.sleeps {
				if d >= 0 {
					require.Equal(t, d, sleeps[i])
				} else {
					require.Positive(t, sleeps[i])
				}
			}
		})
	}
}

func TestPreferredOriginSticks(t *testing.T) {
	t.Parallel()
	second := newOrigin(t)
	c, err := New([]string{deadURL(t), second.srv.URL}, WithRetries(1))
	require.NoError(t, err)
	for range 3 {
		_, err := c.GetTask(context.Background(), "t1")
		require.NoError(t, err)
	}
	require.EqualValues(t, 3, second.hits.Load())
	require.EqualValues(t, 1, c.preferred.Load(), "after the first failover the live origin is tried first")
}

func TestUploadReplaysBodyOnRetry(t *testing.T) {
	t.Parallel()
	asset := `{"id":"a1","format":"jpeg","bytes":4}`
	first := newOrigin(t, answer{status: 503, body: overloaded}, answer{status: 503, body: overloaded})
	second := newOrigin(t, answer{status: 429, retryAfter: "0", body: overloaded}, answer{status: 201, body: asset})
	c, err := New([]string{first.srv.URL, second.srv.URL}, WithRetries(3))
	require.NoError(t, err)
	var progress []int64
	res, err := c.Upload(context.Background(), UploadRequest{
		Reader:   bytes.NewReader([]byte("JPEG")),
		Name:     "a.jpg",
		Progress: func(sent, total int64) { progress = append(progress, sent, total) },
	})
	require.NoError(t, err)
	require.Equal(t, "a1", res.Asset.ID)
	require.Nil(t, res.Task)
	all := append(first.seen, second.seen...)
	require.Len(t, all, 4, "503 (fail over), 429 (wait), 503 (fail over), 201")
	for _, b := range all {
		require.Equal(t, all[0], b, "every attempt sends the same body")
		require.Contains(t, string(b), "JPEG")
		require.Contains(t, string(b), `filename="a.jpg"`)
	}
	require.Equal(t, progress[len(progress)-2], progress[len(progress)-1], "progress reaches the total")
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{"seconds", "3", 3 * time.Second, true},
		{"zero", "0", 0, true},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"negative", "-1", 0, false},
		{"garbage", "soon", 0, false},
		{"empty", "", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := parseRetryAfter(tc.in, now)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, d)
		})
	}
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	t.Parallel()
	c, err := New([]string{"http://127.0.0.1:1"}, WithBackoff(100*time.Millisecond, time.Second))
	require.NoError(t, err)
	seen := map[time.Duration]bool{}
	for attempt := 1; attempt <= 10; attempt++ {
		for range 20 {
			d := c.delay(attempt, errors.New("connection refused"))
			require.Positive(t, d)
			require.LessOrEqual(t, d, min(100*time.Millisecond<<(attempt-1), time.Second))
			seen[d] = true
		}
	}
	require.Greater(t, len(seen), 100, "delays are jittered")
	d := c.delay(1, &Error{Status: 429, RetryAfter: "120"})
	require.Equal(t, time.Second, d, "Retry-After is capped by the longest delay")
}

func TestNewRefusesBadEndpoints(t *testing.T) {
	t.Parallel()
	for _, eps := range [][]string{nil, {"ftp://x"}, {"localhost:8080"}, {"http://"}} {
		_, err := New(eps)
		require.Error(t, err, "%v", eps)
	}
}
