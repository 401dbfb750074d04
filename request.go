package easel

import "context"

// StreamRequest is a request a NATS client published on
// <prefix>.requests.<tenant>: the tenant token of its subject, its
// Nats-Msg-Id header, and its JSON body, still undecoded.
type StreamRequest struct {
	Tenant string
	MsgID  string
	Data   []byte
}

// RequestQueue is the stream way in: requests any NATS client publishes,
// consumed by one durable consumer, and replies on a client's subject.
type RequestQueue interface {
	// ConsumeRequests is Queue.ConsumeTasks for stream requests.
	ConsumeRequests(ctx context.Context, opts ConsumeOptions, handle func(context.Context, StreamRequest, Delivery)) error
	// Reply publishes data on a client's reply subject.
	Reply(ctx context.Context, subject string, data []byte) error
}

// Events of stream requests.
const (
	// EventReceived: a stream request became the task TaskID.
	EventReceived EventType = "received"
	// EventRejected: a stream request was refused (Error says why); no task
	// was made.
	EventRejected EventType = "rejected"
)
