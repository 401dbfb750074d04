package queuetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

func testPublishConsumeAck(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: time.Second, MaxDeliver: 3})
	m := task()
	m.Region = "eu"
	publish(t, q, m)

	ch, stop := tasks(t, q, one, ack[easel.TaskMessage](t))
	g := next(t, ch, 5*time.Second)
	require.Equal(t, m.TaskID, g.msg.TaskID)
	require.Equal(t, m.TenantID, g.msg.TenantID)
	require.Equal(t, m.Kind, g.msg.Kind)
	require.Equal(t, "eu", g.msg.Region)
	require.Equal(t, 1, g.d.Attempt())
	stop()

	// Acked: a second consumer sees nothing, even after AckWait.
	ch2, _ := tasks(t, q, one, ack[easel.TaskMessage](t))
	none(t, ch2, 1500*time.Millisecond)
}

func testInvalidTokens(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: 5 * time.Second, MaxDeliver: 3})
	ctx := context.Background()
	for _, bad := range []string{"", "a.b", "a*", ">", "a b"} {
		m := task()
		m.TaskID = bad
		require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(q.PublishTask(ctx, m)), "task ID %q", bad)
		_, _, err := q.SubscribeEvents(ctx, "ten1"+bad, "")
		if bad != "" {
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "tenant %q", bad)
		}
	}
}

func testDeduplication(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: 5 * time.Second, MaxDeliver: 3})
	m := task()
	publish(t, q, m, m, m)
	retried := m
	retried.MessageID = m.TaskID + ".1" // a new generation
	publish(t, q, retried, retried)

	ch, _ := tasks(t, q, one, ack[easel.TaskMessage](t))
	require.Equal(t, m.TaskID, next(t, ch, 5*time.Second).msg.TaskID)
	require.Equal(t, m.TaskID, next(t, ch, 5*time.Second).msg.TaskID)
	none(t, ch, time.Second)
}

func testNakDelay(t *testing.T, open OpenFunc) {
	const delay = 700 * time.Millisecond
	q, _ := open(t, Options{AckWait: 10 * time.Second, MaxDeliver: 5})
	publish(t, q, task())
	var nakAt atomic.Int64
	ch, _ := tasks(t, q, one, func(g got[easel.TaskMessage]) {
		if g.d.Attempt() == 1 {
			nakAt.Store(time.Now().UnixNano())
			if err := g.d.Nak(context.Background(), delay); err != nil {
				t.Errorf("nak: %v", err)
			}
			return
		}
		ack[easel.TaskMessage](t)(g)
	})
	require.Equal(t, 1, next(t, ch, 5*time.Second).d.Attempt())
	g := next(t, ch, 5*time.Second)
	require.Equal(t, 2, g.d.Attempt())
	waited := g.at.Sub(time.Unix(0, nakAt.Load()))
	require.GreaterOrEqual(t, waited, delay, "redelivered before the Nak delay")
	require.Less(t, waited, delay+4*time.Second)
	none(t, ch, time.Second)
}

func testAckWaitRedelivery(t *testing.T, open OpenFunc) {
	const ackWait = time.Second
	q, _ := open(t, Options{AckWait: ackWait, MaxDeliver: 5})
	publish(t, q, task())
	// The first handler "crashes": it holds the message and never ends it.
	release := make(chan struct{})
	ch, stop := tasks(t, q, easel.ConsumeOptions{Concurrency: 2}, func(g got[easel.TaskMessage]) {
		if g.d.Attempt() == 1 {
			<-release
			return
		}
		ack[easel.TaskMessage](t)(g)
	})
	first := next(t, ch, 5*time.Second)
	second := next(t, ch, ackWait+5*time.Second)
	require.Equal(t, 2, second.d.Attempt())
	require.GreaterOrEqual(t, second.at.Sub(first.at), ackWait-100*time.Millisecond)
	close(release)
	stop()
}

func testInProgress(t *testing.T, open OpenFunc) {
	const ackWait = time.Second
	q, _ := open(t, Options{AckWait: ackWait, MaxDeliver: 5})
	publish(t, q, task())
	ch, _ := tasks(t, q, easel.ConsumeOptions{Concurrency: 2}, func(g got[easel.TaskMessage]) {
		for end := time.Now().Add(3*ackWait + 500*time.Millisecond); time.Now().Before(end); {
			time.Sleep(ackWait / 4)
			if err := g.d.InProgress(context.Background()); err != nil {
				t.Errorf("in progress: %v", err)
			}
		}
		ack[easel.TaskMessage](t)(g)
	})
	require.Equal(t, 1, next(t, ch, 5*time.Second).d.Attempt())
	none(t, ch, 3*ackWait+ackWait)
}

func testMaxDeliver(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: time.Second, MaxDeliver: 3})
	publish(t, q, task())
	ch, _ := tasks(t, q, one, func(g got[easel.TaskMessage]) {
		if err := g.d.Nak(context.Background(), 0); err != nil {
			t.Errorf("nak: %v", err)
		}
	})
	for attempt := 1; attempt <= 3; attempt++ {
		require.Equal(t, attempt, next(t, ch, 5*time.Second).d.Attempt())
	}
	none(t, ch, 2*time.Second)
}

func testTerm(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: time.Second, MaxDeliver: 5})
	publish(t, q, task())
	ch, _ := tasks(t, q, one, func(g got[easel.TaskMessage]) {
		if err := g.d.Term(context.Background()); err != nil {
			t.Errorf("term: %v", err)
		}
	})
	next(t, ch, 5*time.Second)
	none(t, ch, 2*time.Second)
}

func testConcurrency(t *testing.T, open OpenFunc) {
	const n, limit = 50, 4
	q, _ := open(t, Options{AckWait: 5 * time.Second, MaxDeliver: 3})
	for range n {
		publish(t, q, task())
	}
	var active, peak atomic.Int32
	ch, _ := tasks(t, q, easel.ConsumeOptions{Concurrency: limit, Prefetch: 2}, func(g got[easel.TaskMessage]) {
		a := active.Add(1)
		for p := peak.Load(); a > p && !peak.CompareAndSwap(p, a); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		active.Add(-1)
		ack[easel.TaskMessage](t)(g)
	})
	seen := map[string]bool{}
	for range n {
		g := next(t, ch, 10*time.Second)
		require.False(t, seen[g.msg.TaskID], "task %s handled twice", g.msg.TaskID)
		seen[g.msg.TaskID] = true
	}
	require.LessOrEqual(t, peak.Load(), int32(limit))
	require.GreaterOrEqual(t, peak.Load(), int32(2), "handlers never ran in parallel")
	none(t, ch, 500*time.Millisecond)
}

func testTwoConsumers(t *testing.T, open OpenFunc) {
	const n = 40
	q, peer := open(t, Options{AckWait: 5 * time.Second, MaxDeliver: 3})
	if peer == nil {
		t.Skip("backend cannot open a second queue on the same namespace")
	}
	q2 := peer()
	var mu sync.Mutex
	counts := map[string]int{}
	perWorker := [2]int{}
	handler := func(w int) func(got[easel.TaskMessage]) {
		return func(g got[easel.TaskMessage]) {
			mu.Lock()
			counts[g.msg.TaskID]++
			perWorker[w]++
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			ack[easel.TaskMessage](t)(g)
		}
	}
	opts := easel.ConsumeOptions{Concurrency: 3}
	ch1, _ := tasks(t, q, opts, handler(0))
	ch2, _ := tasks(t, q2, opts, handler(1))
	for range n {
		publish(t, q, task())
	}
	for i := range n {
		select {
		case <-ch1:
		case <-ch2:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d messages delivered", i, n)
		}
	}
	none(t, ch1, 500*time.Millisecond)
	none(t, ch2, 0)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, counts, n)
	for id, c := range counts {
		require.Equal(t, 1, c, "task %s handled %d times", id, c)
	}
	require.Positive(t, perWorker[0], "first worker got no work")
	require.Positive(t, perWorker[1], "second worker got no work")
}

func testCancel(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: 20 * time.Second, MaxDeliver: 5})
	publish(t, q, task())
	release := make(chan struct{})
	ch := make(chan got[easel.TaskMessage], 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- q.ConsumeTasks(ctx, one, func(hctx context.Context, m easel.TaskMessage, d easel.Delivery) {
			ch <- got[easel.TaskMessage]{msg: m, d: d, at: time.Now()}
			<-release
			if hctx.Err() != nil {
				t.Errorf("handler context cancelled with the consumer's: %v", hctx.Err())
			}
			// Returns without ending the delivery.
		})
	}()
	next(t, ch, 5*time.Second)
	cancel()
	select {
	case err := <-done:
		t.Fatalf("ConsumeTasks returned (%v) while a handler was running", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("ConsumeTasks did not return after its handlers did")
	}
	// Nak'ed at once: back well before the 20s AckWait.
	ch2, _ := tasks(t, q, one, ack[easel.TaskMessage](t))
	require.Equal(t, 2, next(t, ch2, 5*time.Second).d.Attempt())
}
