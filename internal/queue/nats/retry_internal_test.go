package nats

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

func TestTransient(t *testing.T) {
	noLeader := &jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}
	tooBig := &jetstream.APIError{Code: 400, ErrorCode: 10054, Description: "message size exceeds maximum allowed"}
	tests := []struct {
		name       string
		err        error
		idempotent bool
		want       bool
	}{
		{"no stream response", jetstream.ErrNoStreamResponse, false, true},
		{"no responders", nats.ErrNoResponders, false, true},
		{"stream not found", jetstream.ErrStreamNotFound, false, true},
		{"missing stream whose ensure failed", errors.Join(jetstream.ErrNoStreamResponse, tooBig), false, true},
		{"reconnecting", nats.ErrConnectionReconnecting, false, true},
		{"no leader", fmt.Errorf("nats: %w", noLeader), false, true},
		{"bad request", fmt.Errorf("nats: %w", tooBig), true, false},
		{"timeout with an ID", context.DeadlineExceeded, true, true},
		{"timeout without an ID", context.DeadlineExceeded, false, false},
		{"nats timeout without an ID", nats.ErrTimeout, false, false},
		{"closed", nats.ErrConnectionClosed, true, false},
		{"max payload", nats.ErrMaxPayload, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, transient(tt.err, tt.idempotent))
		})
	}
}
