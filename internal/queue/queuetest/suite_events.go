package queuetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

func testEvents(t *testing.T, open OpenFunc) {
	q, _ := open(t, Options{AckWait: 5 * time.Second, MaxDeliver: 3})
	ctx := context.Background()
	tenantA, tenantB, task1, task2 := "ta"+newID(), "tb"+newID(), newID(), newID()

	oneTask, cancelOne, err := q.SubscribeEvents(ctx, tenantA, task1)
	require.NoError(t, err)
	defer cancelOne()
	allA, cancelA, err := q.SubscribeEvents(ctx, tenantA, "")
	require.NoError(t, err)
	defer cancelA()
	allB, cancelB, err := q.SubscribeEvents(ctx, tenantB, "")
	require.NoError(t, err)
	defer cancelB()

	at := time.Now().UTC().Truncate(time.Millisecond)
	published := []easel.Event{
		{ID: easel.EventID(task1, 0, 0, easel.EventQueued), Type: easel.EventQueued, TenantID: tenantA, TaskID: task1, AssetID: "a1", At: at},
		{ID: easel.EventID(task2, 0, 0, easel.EventQueued), Type: easel.EventQueued, TenantID: tenantA, TaskID: task2, AssetID: "a2", At: at},
		{ID: easel.EventID(task1, 0, 0, easel.EventQueued) + "b", Type: easel.EventQueued, TenantID: tenantB, TaskID: task1, AssetID: "a3", At: at},
		{ID: easel.EventID(task1, 0, 3, easel.EventDead), Type: easel.EventDead, TenantID: tenantA, TaskID: task1, AssetID: "a1", Attempt: 3, At: at,
			Error: &easel.TaskError{Stage: "process", Code: easel.CodeInternal, Message: "boom"}},
	}
	for i, e := range published {
		require.NoError(t, q.PublishEvent(ctx, e))
		if i == 0 {
			// The same event again (a relay retrying): dropped by its ID.
			require.NoError(t, q.PublishEvent(ctx, e))
		}
	}
	noID := published[1]
	noID.ID = ""
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(q.PublishEvent(ctx, noID)))

	require.Equal(t, []easel.Event{published[0], published[3]}, receive(t, oneTask, 2))
	require.Equal(t, []easel.Event{published[0], published[1], published[3]}, receive(t, allA, 3))
	require.Equal(t, []easel.Event{published[2]}, receive(t, allB, 1))
	for _, ch := range []<-chan easel.Event{oneTask, allA, allB} {
		select {
		case e := <-ch:
			t.Fatalf("unexpected event %+v", e)
		case <-time.After(200 * time.Millisecond):
		}
	}

	// Cancel closes the channel.
	cancelOne()
	select {
	case _, ok := <-oneTask:
		require.False(t, ok, "event after cancel")
	case <-time.After(2 * time.Second):
		t.Fatal("channel not closed by cancel")
	}
	cancelOne() // idempotent
}

func receive(t *testing.T, ch <-chan easel.Event, n int) []easel.Event {
	t.Helper()
	var out []easel.Event
	for len(out) < n {
		select {
		case e, ok := <-ch:
			require.True(t, ok, "channel closed")
			out = append(out, e)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d of %d events", len(out), n)
		}
	}
	return out
}

func testCallbacks(t *testing.T, open OpenFunc) {
	const delay = 500 * time.Millisecond
	q, _ := open(t, Options{AckWait: 10 * time.Second, MaxDeliver: 5})
	ctx := context.Background()
	m := easel.CallbackMessage{TaskID: newID(), TenantID: "ten1", Event: easel.EventSucceeded}
	require.NoError(t, q.PublishCallback(ctx, m))
	require.NoError(t, q.PublishCallback(ctx, m)) // a duplicate

	ch := make(chan got[easel.CallbackMessage], 10)
	consumer(t, q.ConsumeCallbacks, one, func(ctx context.Context, cm easel.CallbackMessage, d easel.Delivery) {
		ch <- got[easel.CallbackMessage]{msg: cm, d: d, at: time.Now()}
		var err error
		if d.Attempt() == 1 {
			err = d.Nak(ctx, delay)
		} else {
			err = d.Ack(ctx)
		}
		if err != nil {
			t.Errorf("end callback delivery: %v", err)
		}
	})
	first := next(t, ch, 5*time.Second)
	require.Equal(t, m, first.msg)
	require.Equal(t, 1, first.d.Attempt())
	second := next(t, ch, 5*time.Second)
	require.Equal(t, 2, second.d.Attempt())
	require.GreaterOrEqual(t, second.at.Sub(first.at), delay)
	none(t, ch, time.Second)
}
