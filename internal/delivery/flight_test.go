package delivery_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/transform"
)

// blockingRender is a fake engine: each render reports that it started,
// then waits for release or its context, and reports how it ended.
type blockingRender struct {
	started chan string // operations of each render that got a slot
	ended   chan error  // nil: finished; else the context's error
	release chan struct{}
}

func newBlockingRender() *blockingRender {
	return &blockingRender{started: make(chan string, 64), ended: make(chan error, 64), release: make(chan struct{})}
}

func (r *blockingRender) render(ctx context.Context, _ easel.Asset, _ []byte, o transform.Options, _ string) (transform.Output, error) {
	r.started <- o.String()
	select {
	case <-r.release:
		r.ended <- nil
		return transform.Output{Data: []byte("\x89PNG\r\n\x1a\nW" + o.String()), Format: transform.FormatPNG}, nil
	case <-ctx.Done():
		r.ended <- ctx.Err()
		return transform.Output{}, easel.WrapError(easel.CodeDeadlineExceeded, ctx.Err(), "render stopped")
	}
}

// abandonBundle is a Delivery with a limiter of one slot and a queue of
// two, over a blocking fake engine.
func abandonBundle(t *testing.T, cfg delivery.Config) (*bundle, *delivery.Delivery, *delivery.Limiter, *blockingRender) {
	t.Helper()
	b := setup(t)
	br := newBlockingRender()
	b.render = br.render
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.CacheBytes = 1 << 20
	limiter := delivery.NewLimiter(1, 2)
	d := delivery.New(cfg, b.meta, b.blobs, b.render, b.verify, limiter, nopObserver{}, slog.New(slog.DiscardHandler))
	t.Cleanup(d.Close)
	return b, d, limiter, br
}

// request resolves path and renders it in the background; the result
// arrives on the returned channel.
func request(t *testing.T, d *delivery.Delivery, ctx context.Context, path string) <-chan error {
	t.Helper()
	res, err := d.Resolve(context.Background(), delivery.Request{Path: path})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := d.Render(ctx, res)
		done <- err
	}()
	return done
}

func TestLastWaiterLeavingCancelsTheRender(t *testing.T) {
	t.Parallel()
	b, d, limiter, br := abandonBundle(t, delivery.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := request(t, d, ctx, "sig/w_2,f_png/"+b.asset.ID)
	<-br.started
	require.Equal(t, 1, limiter.InFlight())

	cancel()
	require.Error(t, <-done, "the request returns at once")
	require.ErrorIs(t, <-br.ended, context.Canceled, "the running render's context is cancelled")
	require.Eventually(t, func() bool { return limiter.InFlight() == 0 && d.InFlight() == 0 }, 2*time.Second, time.Millisecond, "its slot is freed")
}

func TestOneOfTwoWaitersLeavingKeepsTheRender(t *testing.T) {
	t.Parallel()
	b, d, _, br := abandonBundle(t, delivery.Config{})
	path := "sig/w_2,f_png/" + b.asset.ID
	ctx1, cancel1 := context.WithCancel(context.Background())
	first := request(t, d, ctx1, path)
	<-br.started
	second := request(t, d, context.Background(), path)
	require.Eventually(t, func() bool { return d.InFlight() == 1 }, time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // let the second request join the flight

	cancel1()
	require.Error(t, <-first)
	select {
	case err := <-br.ended:
		t.Fatalf("the render ended while a request waited for it: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(br.release)
	require.NoError(t, <-second, "the other request gets the result")
	require.NoError(t, <-br.ended)
	require.Len(t, br.started, 0, "one render for both")
}

func TestAbandonedQueuedRenderNeverStarts(t *testing.T) {
	t.Parallel()
	b, d, limiter, br := abandonBundle(t, delivery.Config{})
	running := request(t, d, context.Background(), "sig/w_2,f_png/"+b.asset.ID)
	require.Equal(t, "w_2,f_png", <-br.started)

	ctx, cancel := context.WithCancel(context.Background())
	queued := request(t, d, ctx, "sig/w_3,f_png/"+b.asset.ID)
	require.Eventually(t, func() bool { return limiter.Waiting() == 1 }, time.Second, time.Millisecond)
	cancel()
	require.Error(t, <-queued)
	require.Eventually(t, func() bool { return limiter.Waiting() == 0 }, time.Second, time.Millisecond, "its queue place is freed")

	close(br.release)
	require.NoError(t, <-running)
	require.NoError(t, <-br.ended)
	select {
	case ops := <-br.started:
		t.Fatalf("the abandoned render %s started", ops)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestFinishAbandonedLetsAStoredRenderFinish(t *testing.T) {
	t.Parallel()
	b, d, limiter, br := abandonBundle(t, delivery.Config{StoreVariants: true, FinishAbandoned: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := request(t, d, ctx, "sig/w_2,f_png/"+b.asset.ID)
	<-br.started
	cancel()
	require.Error(t, <-done)
	select {
	case err := <-br.ended:
		t.Fatalf("the render ended: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(br.release)
	require.NoError(t, <-br.ended, "it finishes for nobody, as configured")
	require.Eventually(t, func() bool { return limiter.InFlight() == 0 }, time.Second, time.Millisecond)
	out, err := b.get(t, d, "sig/w_2,f_png/"+b.asset.ID)
	require.NoError(t, err)
	require.Equal(t, "memory", out.Layer, "its result is kept")
}

func TestNoOverloadAfterAbandonedLoad(t *testing.T) {
	t.Parallel()
	b, d, limiter, br := abandonBundle(t, delivery.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 { // distinct URLs: one running, two queued, the rest refused
		res, err := d.Resolve(context.Background(), delivery.Request{Path: fmt.Sprintf("sig/w_%d,f_png/%s", i+1, b.asset.ID)})
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.Render(ctx, res)
			errs <- err
		}()
	}
	<-br.started
	for range 29 { // the refused ones answer at once
		require.Equal(t, easel.CodeOverloaded, easel.ErrorCode(<-errs))
	}
	require.Eventually(t, func() bool { return limiter.Waiting() == 2 }, 2*time.Second, time.Millisecond)
	cancel() // every client leaves
	wg.Wait()
	require.Eventually(t, func() bool { return limiter.InFlight() == 0 && limiter.Waiting() == 0 && d.InFlight() == 0 },
		time.Second, time.Millisecond, "idle once the clients have left")
	// A queued render may win the freed slot a moment before its own
	// client's leaving is noticed; it is then stopped at once too.
	require.Equal(t, len(br.started), len(br.ended)-1, "every render that started has ended")
	for len(br.ended) > 0 {
		require.ErrorIs(t, <-br.ended, context.Canceled)
	}
	for len(br.started) > 0 {
		<-br.started
	}

	close(br.release) // renders from now on finish at once
	out, err := b.get(t, d, "sig/w_99,f_png/"+b.asset.ID)
	require.NoError(t, err, "a new client is not refused")
	require.Equal(t, "render", out.Layer)
	require.Equal(t, "w_99,f_png", <-br.started)
	require.Len(t, br.started, 0, "no abandoned render ran meanwhile")
}
