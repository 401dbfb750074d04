package queuetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// Options configure the consumers of the queues that one test opens, so
// that timing tests run with a short AckWait. They apply to the task and
// the callback consumers alike.
type Options struct {
	AckWait    time.Duration
	MaxDeliver int
}

// OpenFunc opens a queue in a namespace of its own (its own streams and
// consumers), configured by o, and closes it when the test ends. The
// returned peer, when not nil, opens another queue on the same namespace,
// like a second worker process; a backend that cannot do that returns nil
// and the suite skips the test that needs it.
type OpenFunc func(t *testing.T, o Options) (q easel.Queue, peer func() easel.Queue)

// Run runs the conformance suite of easel.Queue against the backend that
// open opens, as parallel subtests.
func Run(t *testing.T, open OpenFunc) {
	tests := []struct {
		name string
		run  func(t *testing.T, open OpenFunc)
	}{
		{"PublishConsumeAck", testPublishConsumeAck},
		{"InvalidSubjectTokens", testInvalidTokens},
		{"Deduplication", testDeduplication},
		{"NakDelay", testNakDelay},
		{"AckWaitRedelivery", testAckWaitRedelivery},
		{"InProgressHeartbeat", testInProgress},
		{"MaxDeliver", testMaxDeliver},
		{"Term", testTerm},
		{"ConcurrencyBound", testConcurrency},
		{"TwoConsumersShareWork", testTwoConsumers},
		{"CancelNaksOpenMessages", testCancel},
		{"Events", testEvents},
		{"Callbacks", testCallbacks},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, open)
		})
	}
}

// got is one delivery that a test handler saw.
type got[T any] struct {
	msg T
	d   easel.Delivery
	at  time.Time
}

// consumer runs ConsumeTasks (or ConsumeCallbacks) until stop, which
// checks that it returned nil in time; the test's cleanup stops it too.
func consumer[T any](t *testing.T, consume func(context.Context, easel.ConsumeOptions, func(context.Context, T, easel.Delivery)) error,
	opts easel.ConsumeOptions, handle func(context.Context, T, easel.Delivery)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- consume(ctx, opts, handle) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(15 * time.Second):
				t.Error("consumer did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// tasks runs a task consumer that reports every delivery on the returned
// channel before act decides how to end it.
func tasks(t *testing.T, q easel.Queue, opts easel.ConsumeOptions, act func(got[easel.TaskMessage])) (<-chan got[easel.TaskMessage], func()) {
	ch := make(chan got[easel.TaskMessage], 1000)
	stop := consumer(t, q.ConsumeTasks, opts, func(_ context.Context, m easel.TaskMessage, d easel.Delivery) {
		g := got[easel.TaskMessage]{msg: m, d: d, at: time.Now()}
		ch <- g
		act(g)
	})
	return ch, stop
}

// ack ends a delivery with Ack.
func ack[T any](t *testing.T) func(got[T]) {
	return func(g got[T]) {
		if err := g.d.Ack(context.Background()); err != nil {
			t.Errorf("ack: %v", err)
		}
	}
}

// next waits for a delivery.
func next[T any](t *testing.T, ch <-chan got[T], within time.Duration) got[T] {
	t.Helper()
	select {
	case g := <-ch:
		return g
	case <-time.After(within):
		t.Fatalf("no delivery within %v", within)
		return got[T]{}
	}
}

// none checks that no delivery comes for d.
func none[T any](t *testing.T, ch <-chan got[T], d time.Duration) {
	t.Helper()
	select {
	case g := <-ch:
		t.Fatalf("unexpected delivery %+v (attempt %d)", g.msg, g.d.Attempt())
	case <-time.After(d):
	}
}

// newID returns a random subject-safe ID.
func newID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// task returns a task message with a fresh ID.
func task() easel.TaskMessage {
	id := newID()
	return easel.TaskMessage{TaskID: id, TenantID: "ten1", Kind: easel.TaskRender, MessageID: id}
}

func publish(t *testing.T, q easel.Queue, ms ...easel.TaskMessage) {
	t.Helper()
	for _, m := range ms {
		require.NoError(t, q.PublishTask(context.Background(), m))
	}
}

var one = easel.ConsumeOptions{Concurrency: 1}

func testPing(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: 5 * time.Second, MaxDeliver: 3})
	require.NoError(t, q.Ping(context.Background()))
}
