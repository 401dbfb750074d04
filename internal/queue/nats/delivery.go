package nats

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/easelhq/easel"
)

// delivery is an easel.Delivery of a JetStream message.
type delivery struct {
	q       *Queue
	msg     jetstream.Msg
	attempt int
	ended   atomic.Bool
	// outcome is how the handler ended it (ack, nak or term), for its span.
	outcome atomic.Pointer[string]
}

var (
	outcomeAck  = "ack"
	outcomeNak  = "nak"
	outcomeTerm = "term"
)

func newDelivery(q *Queue, msg jetstream.Msg) *delivery {
	d := &delivery{q: q, msg: msg, attempt: 1}
	if md, err := msg.Metadata(); err == nil {
		d.attempt = int(md.NumDelivered)
	}
	return d
}

// end marks the delivery ended; it reports whether it was still open.
func (d *delivery) end() bool { return d.ended.CompareAndSwap(false, true) }

// Attempt is the 1-based delivery count.
func (d *delivery) Attempt() int { return d.attempt }

// InProgress resets the ack deadline.
func (d *delivery) InProgress(context.Context) error {
	if d.ended.Load() {
		return easel.Errorf(easel.CodeInvalidArgument, "queue: delivery already ended")
	}
	return d.wrap(d.msg.InProgress())
}

// Ack removes the message and waits for the server to confirm.
func (d *delivery) Ack(ctx context.Context) error {
	if !d.end() {
		return easel.Errorf(easel.CodeInvalidArgument, "queue: delivery already ended")
	}
	d.outcome.Store(&outcomeAck)
	ctx, cancel := d.q.requestCtx(ctx)
	defer cancel()
	// Wait for the server's confirmation: once Ack returns, no consumer
	// will see the message again.
	return d.wrap(d.msg.DoubleAck(ctx))
}

// Nak asks for redelivery after delay (at once when delay <= 0).
func (d *delivery) Nak(_ context.Context, delay time.Duration) error {
	if !d.end() {
		return easel.Errorf(easel.CodeInvalidArgument, "queue: delivery already ended")
	}
	d.outcome.Store(&outcomeNak)
	if delay <= 0 {
		return d.wrap(d.msg.Nak())
	}
	return d.wrap(d.msg.NakWithDelay(delay))
}

// Term removes the message for good.
func (d *delivery) Term(context.Context) error {
	if !d.end() {
		return easel.Errorf(easel.CodeInvalidArgument, "queue: delivery already ended")
	}
	d.outcome.Store(&outcomeTerm)
	return d.wrap(d.msg.Term())
}

func (d *delivery) wrap(err error) error {
	if err != nil {
		return unavailable(err)
	}
	return nil
}
