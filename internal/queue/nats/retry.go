package nats

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// attemptTimeout bounds one publish attempt that carries a message ID:
	// a request sent to a stream leader that just died gets no answer, and
	// a fresh attempt reaches the new leader once it is elected. (The ID
	// makes the stream drop the copy of an attempt that did arrive.)
	attemptTimeout = 2 * time.Second
	// Back-off between publish attempts, doubling from min to max.
	minRetryWait = 50 * time.Millisecond
	maxRetryWait = 500 * time.Millisecond
)

// publishRetrying publishes data and waits for the stream's ack, retrying
// within ctx while the connection fails over to another server or the
// stream elects a new leader. Without a message ID only failures that
// certainly stored nothing are retried, so that a retry cannot store a
// second copy. header may be nil.
func (q *Queue) publishRetrying(ctx context.Context, subject string, data []byte, header nats.Header, msgID string) error {
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	wait := minRetryWait
	for {
		err := q.available()
		reconnecting := err != nil && q.nc.Status() != nats.CLOSED
		if err == nil {
			actx, cancel := ctx, context.CancelFunc(func() {})
			if msgID != "" {
				actx, cancel = context.WithTimeout(ctx, attemptTimeout)
			}
			if header == nil {
				_, err = q.js.Publish(actx, subject, data, opts...)
			} else {
				_, err = q.js.PublishMsg(actx, &nats.Msg{Subject: subject, Data: data, Header: header}, opts...)
			}
			cancel()
			if missing(err) && ctx.Err() == nil && q.nc.IsConnected() {
				// A server restarted with a fresh store lost the streams,
				// or (in a cluster) the stream is electing a leader.
				if eerr := q.tryEnsure(ctx); eerr != nil {
					err = errors.Join(err, eerr)
				}
			}
		}
		if err == nil || ctx.Err() != nil || !(reconnecting || transient(err, msgID != "")) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, maxRetryWait)
	}
}

// tryEnsure recreates the streams unless another call is doing so, giving
// it at most attemptTimeout: while a cluster elects a leader it waits in
// vain, and the next publish attempt may succeed sooner.
func (q *Queue) tryEnsure(ctx context.Context) error {
	if !q.ensureMu.TryLock() {
		return nil
	}
	defer q.ensureMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	return q.ensureLocked(ctx)
}

// transient reports whether a failed publish may succeed when tried again
// soon; a timeout counts only when a retry cannot store a second copy.
func transient(err error, idempotent bool) bool {
	var apiErr *jetstream.APIError
	switch {
	case missing(err), // no stream answered: none, or none elected yet
		errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrNoServers):
		return true
	case errors.As(err, &apiErr):
		// 503: "JetStream system temporarily unavailable", no leader.
		return apiErr.Code == 503
	case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return idempotent
	}
	return false
}
