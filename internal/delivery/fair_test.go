package delivery

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// TestLimiterSharesSlotsByTenant: with one slot, a tenant with many
// waiters and another with a few are served in turn, not first come first
// served.
func TestLimiterSharesSlotsByTenant(t *testing.T) {
	t.Parallel()
	l := NewLimiter(1, 100)
	ctx := context.Background()
	hold, err := l.AcquireFor(ctx, "a")
	require.NoError(t, err)

	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	wait := func(tenant string, n int) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := l.AcquireFor(ctx, tenant)
				require.NoError(t, err)
				mu.Lock()
				order = append(order, tenant)
				mu.Unlock()
				r()
			}()
		}
	}
	wait("flood", 10)
	require.Eventually(t, func() bool { return l.Waiting() == 10 }, time.Second, time.Millisecond)
	wait("quiet", 3)
	require.Eventually(t, func() bool { return l.Waiting() == 13 }, time.Second, time.Millisecond)
	hold()
	wg.Wait()
	// quiet's three are served within the first six slots however many
	// flood's came before them.
	quiet := 0
	for _, tn := range order[:6] {
		if tn == "quiet" {
			quiet++
		}
	}
	require.Equal(t, 3, quiet, "order %v", order)
	require.Equal(t, 0, l.InFlight())
	require.Equal(t, 0, l.Waiting())
}

// TestLimiterFullQueueMakesRoomForOtherTenants: a full queue held by one
// tenant still takes another tenant's request, in place of the flooding
// tenant's newest; the flooding tenant's next request is refused.
func TestLimiterFullQueueMakesRoomForOtherTenants(t *testing.T) {
	t.Parallel()
	l := NewLimiter(1, 4)
	ctx := context.Background()
	hold, err := l.AcquireFor(ctx, "flood")
	require.NoError(t, err)
	results := make(chan error, 10)
	for range 4 {
		go func() {
			r, err := l.AcquireFor(ctx, "flood")
			if err == nil {
				r()
			}
			results <- err
		}()
	}
	require.Eventually(t, func() bool { return l.Waiting() == 4 }, time.Second, time.Millisecond)
	_, err = l.AcquireFor(ctx, "flood")
	require.Equal(t, easel.CodeOverloaded, easel.ErrorCode(err), "the queue is full for the flooding tenant")

	quiet := make(chan error, 1)
	go func() {
		r, err := l.AcquireFor(ctx, "quiet")
		if err == nil {
			r()
		}
		quiet <- err
	}()
	require.Equal(t, easel.CodeOverloaded, easel.ErrorCode(<-results), "flood's newest waiter lost its place")
	require.Eventually(t, func() bool { return l.Waiting() == 4 }, time.Second, time.Millisecond)
	hold()
	require.NoError(t, <-quiet)
	for range 3 {
		require.NoError(t, <-results)
	}
	require.Equal(t, 0, l.InFlight())
}

// TestLimiterCancelledWaiterLeavesItsTurn: a waiter that gives up leaves
// the queue and never holds a slot.
func TestLimiterCancelledWaiterLeavesItsTurn(t *testing.T) {
	t.Parallel()
	l := NewLimiter(1, 10)
	hold, err := l.AcquireFor(context.Background(), "a")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := l.AcquireFor(ctx, "b")
		done <- err
	}()
	require.Eventually(t, func() bool { return l.Waiting() == 1 }, time.Second, time.Millisecond)
	cancel()
	require.Equal(t, easel.CodeDeadlineExceeded, easel.ErrorCode(<-done))
	require.Equal(t, 0, l.Waiting())
	hold()
	require.Equal(t, 0, l.InFlight())
}
