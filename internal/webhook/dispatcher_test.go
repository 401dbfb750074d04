package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/webhook"
)

const tenantID = "tenant_1"

// received is one request seen by the test receiver.
type received struct {
	Header    http.Header
	Body      []byte
	VerifyErr error
}

// receiver is a local endpoint that verifies every request with the
// tenant's secret, as a customer would, and answers the next status.
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	statuses []int // answered in turn; the last one repeats
	requests []received
}

func newReceiver(t *testing.T, secret []byte, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		verr := webhook.Verify(secret, req.Header, body, 5*time.Minute, time.Now())
		r.mu.Lock()
		r.requests = append(r.requests, received{Header: req.Header.Clone(), Body: body, VerifyErr: verr})
		status := r.statuses[0]
		if len(r.statuses) > 1 {
			r.statuses = r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) Requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.requests...)
}

// bundle is what a dispatcher test works with.
type bundle struct {
	d      *webhook.Dispatcher
	q      *fakeQueue
	store  *fakeTaskStore
	secret []byte
}

// setup returns a Dispatcher on a fake queue and store that hold the
// tenant's secret. cfg allows loopback.
func setup(t *testing.T, cfg webhook.Config, render func(easel.Task) any) *bundle {
	t.Helper()
	secret, err := webhook.NewSecret()
	require.NoError(t, err)
	store := newFakeTaskStore()
	store.secrets[tenantID] = secret
	q := newFakeQueue()
	cfg.AllowLoopback = true
	return &bundle{
		d:      webhook.NewDispatcher(cfg, q, store, render, nil),
		q:      q,
		store:  store,
		secret: secret,
	}
}

// addTask stores a succeeded task with the callback URL.
func (b *bundle) addTask(id, callbackURL string) easel.Task {
	finished := time.Date(2025, 1, 2, 3, 4, 5, 123_000_000, time.UTC)
	task := easel.Task{
		ID:          id,
		TenantID:    tenantID,
		AssetID:     "asset_1",
		Kind:        easel.TaskRender,
		Ops:         []string{"w_100"},
		State:       easel.TaskSucceeded,
		Attempts:    1,
		CallbackURL: callbackURL,
		CreatedAt:   finished.Add(-time.Minute),
		UpdatedAt:   finished,
		FinishedAt:  &finished,
	}
	b.store.mu.Lock()
	b.store.tasks[id] = task
	b.store.mu.Unlock()
	return task
}

// dispatch runs the dispatcher until the message is Ack'ed or Term'ed, and
// returns how each of its deliveries ended.
func (b *bundle) dispatch(t *testing.T, m easel.CallbackMessage) []outcome {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.d.Run(ctx) }()
	require.NoError(t, b.q.PublishCallback(ctx, m))
	select {
	case got := <-b.q.finished:
		require.Equal(t, m, got)
	case <-time.After(10 * time.Second):
		t.Fatal("callback message not finished")
	}
	cancel()
	require.NoError(t, <-done)
	return b.q.Outcomes()
}

func (b *bundle) deliveries(t *testing.T, taskID string) []easel.CallbackDelivery {
	t.Helper()
	ds, err := b.store.ListCallbackDeliveries(t.Context(), taskID)
	require.NoError(t, err)
	return ds
}

func message(taskID string) easel.CallbackMessage {
	return easel.CallbackMessage{TaskID: taskID, TenantID: tenantID, Event: easel.EventSucceeded}
}

func TestDispatcherRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	schedule := []time.Duration{time.Second, time.Minute, time.Hour}
	render := func(task easel.Task) any {
		return map[string]any{"id": task.ID, "state": task.State, "rendered_by": "api"}
	}
	b := setup(t, webhook.Config{Schedule: schedule}, render)
	recv := newReceiver(t, b.secret, 500, 500, 200)
	b.addTask("task_1", recv.srv.URL+"/hook?token=abc")

	got := b.dispatch(t, message("task_1"))
	require.Equal(t, []outcome{{"nak", schedule[0]}, {"nak", schedule[1]}, {"ack", 0}}, got)

	ds := b.deliveries(t, "task_1")
	require.Len(t, ds, 3)
	for i, d := range ds {
		require.Equal(t, i+1, d.Attempt)
		require.Equal(t, recv.srv.URL+"/hook?token=abc", d.URL)
		require.Positive(t, d.Latency)
		require.False(t, d.At.IsZero())
	}
	require.Equal(t, []int{500, 500, 200}, []int{ds[0].Status, ds[1].Status, ds[2].Status})
	require.Equal(t, []bool{false, false, true}, []bool{ds[0].Delivered, ds[1].Delivered, ds[2].Delivered})
	require.Equal(t, "unexpected status: 500 Internal Server Error", ds[0].Error)
	require.Empty(t, ds[2].Error)

	reqs := recv.Requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		require.NoError(t, r.VerifyErr)
		require.Equal(t, "task_1.succeeded", r.Header.Get(webhook.HeaderID))
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Equal(t, webhook.DefaultUserAgent, r.Header.Get("User-Agent"))

		var p struct {
			Type      string         `json:"type"`
			Timestamp string         `json:"timestamp"`
			Data      map[string]any `json:"data"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &p))
		require.Equal(t, "task.succeeded", p.Type)
		require.Equal(t, "2025-01-02T03:04:05.123Z", p.Timestamp)
		require.Equal(t, map[string]any{"id": "task_1", "state": "succeeded", "rendered_by": "api"}, p.Data)
	}
	require.Equal(t, reqs[0].Body, reqs[2].Body, "the body is the same in every attempt")

	task, err := b.store.GetTask(t.Context(), "task_1")
	require.NoError(t, err)
	require.Equal(t, easel.Millis(ds[2].Latency), task.Timings.Callback)
	require.Equal(t, easel.TaskSucceeded, task.State)
}

func TestDispatcherEnds(t *testing.T) {
	t.Parallel()
	schedule := []time.Duration{time.Second, time.Minute}
	tests := []struct {
		name         string
		statuses     []int
		noURL        bool
		noSecret     bool
		noTask       bool
		blockedURL   bool
		want         []outcome
		wantRequests int
		wantErrors   []string // of the recorded deliveries
	}{
		{
			name:         "410 Gone stops at once",
			statuses:     []int{http.StatusGone},
			want:         []outcome{{"term", 0}},
			wantRequests: 1,
			wantErrors:   []string{"unexpected status: 410 Gone"},
		},
		{
			name:         "gives up after the schedule",
			statuses:     []int{503},
			want:         []outcome{{"nak", schedule[0]}, {"nak", schedule[1]}, {"term", 0}},
			wantRequests: 3,
			wantErrors: []string{
				"unexpected status: 503 Service Unavailable",
				"unexpected status: 503 Service Unavailable",
				"unexpected status: 503 Service Unavailable",
			},
		},
		{
			name:     "no callback URL",
			statuses: []int{200},
			noURL:    true,
			want:     []outcome{{"ack", 0}},
		},
		{
			name:       "no webhook secret",
			statuses:   []int{200},
			noSecret:   true,
			want:       []outcome{{"term", 0}},
			wantErrors: []string{"no webhook secret"},
		},
		{
			name:     "task not found",
			statuses: []int{200},
			noTask:   true,
			want:     []outcome{{"term", 0}},
		},
		{
			name:       "callback URL not allowed",
			statuses:   []int{200},
			blockedURL: true,
			want:       []outcome{{"term", 0}},
			wantErrors: []string{"callback_url: address 10.0.0.1 is not allowed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, webhook.Config{Schedule: schedule}, nil)
			recv := newReceiver(t, b.secret, tt.statuses...)
			callbackURL := recv.srv.URL + "/hook"
			switch {
			case tt.noURL:
				callbackURL = ""
			case tt.blockedURL:
				callbackURL = "http://10.0.0.1/hook" // refused before any traffic
			}
			if !tt.noTask {
				b.addTask("task_1", callbackURL)
			}
			if tt.noSecret {
				delete(b.store.secrets, tenantID)
			}

			require.Equal(t, tt.want, b.dispatch(t, message("task_1")))
			require.Len(t, recv.Requests(), tt.wantRequests)
			var errs []string
			for _, d := range b.deliveries(t, "task_1") {
				require.False(t, d.Delivered)
				errs = append(errs, d.Error)
			}
			require.Equal(t, tt.wantErrors, errs)
		})
	}
}

func TestDeliver(t *testing.T) {
	t.Parallel()

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leaving
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}))
		t.Cleanup(srv.Close)
		b := setup(t, webhook.Config{Timeout: 100 * time.Millisecond}, nil)
		task := b.addTask("task_1", srv.URL)

		d := b.d.Deliver(t.Context(), task, easel.EventSucceeded, b.secret, 1)
		require.False(t, d.Delivered)
		require.Zero(t, d.Status)
		require.Equal(t, "timeout after 100ms", d.Error)
		require.GreaterOrEqual(t, d.Latency, 100*time.Millisecond)
	})

	t.Run("redirect not followed", func(t *testing.T) {
		t.Parallel()
		var followed atomic.Bool
		mux := http.NewServeMux()
		mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		})
		mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Store(true) })
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		b := setup(t, webhook.Config{}, nil)
		task := b.addTask("task_1", srv.URL+"/hook")

		d := b.d.Deliver(t.Context(), task, easel.EventSucceeded, b.secret, 2)
		require.False(t, d.Delivered)
		require.Equal(t, http.StatusFound, d.Status)
		require.Equal(t, 2, d.Attempt)
		require.Equal(t, "redirect not followed: 302 Found", d.Error)
		require.False(t, followed.Load())
	})

	t.Run("nil render sends the task", func(t *testing.T) {
		t.Parallel()
		b := setup(t, webhook.Config{}, nil)
		recv := newReceiver(t, b.secret, http.StatusNoContent)
		task := b.addTask("task_1", recv.srv.URL)

		d := b.d.Deliver(t.Context(), task, easel.EventDead, b.secret, 1)
		require.True(t, d.Delivered)
		require.Equal(t, http.StatusNoContent, d.Status)

		reqs := recv.Requests()
		require.Len(t, reqs, 1)
		require.NoError(t, reqs[0].VerifyErr)
		require.Equal(t, "task_1.dead", reqs[0].Header.Get(webhook.HeaderID))
		var p struct {
			Type string     `json:"type"`
			Data easel.Task `json:"data"`
		}
		require.NoError(t, json.Unmarshal(reqs[0].Body, &p))
		require.Equal(t, "task.dead", p.Type)
		require.Equal(t, task.ID, p.Data.ID)
		require.Equal(t, task.CallbackURL, p.Data.CallbackURL)
	})

	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens on its port now
		b := setup(t, webhook.Config{}, nil)
		task := b.addTask("task_1", srv.URL+"/hook?token=secret-token")

		d := b.d.Deliver(t.Context(), task, easel.EventSucceeded, b.secret, 1)
		require.False(t, d.Delivered)
		require.Zero(t, d.Status)
		require.Contains(t, d.Error, "connection refused")
		require.NotContains(t, d.Error, "secret-token", "the error text repeats the URL")
		require.LessOrEqual(t, len(d.Error), 200)
	})
}
