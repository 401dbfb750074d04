package easel

import (
	"context"
	"time"
)

// TaskMessage is what travels on the work queue: a reference to a task
// stored in the TaskStore.
type TaskMessage struct {
	TaskID    string `json:"task_id"`
	TenantID  string `json:"tenant_id"`
	Kind      string `json:"kind"`
	Region    string `json:"region,omitempty"`
	MessageID string `json:"-"` // de-duplication ID: Task.MessageID()
}

// EventType names what happened to a task.
type EventType string

// Event types, published on the events stream under the task's tenant.
const (
	EventAccepted  EventType = "accepted" // committed (created, or retried by hand)
	EventQueued    EventType = "queued"
	EventStarted   EventType = "started"
	EventRetrying  EventType = "retrying"
	EventSucceeded EventType = "succeeded"
	EventDead      EventType = "dead"
	// EventProgress reports a running task's progress (flow tasks); it is
	// advisory, published directly rather than through the outbox.
	EventProgress EventType = "progress"
)

// Event tells that a task changed state. It is the seeds' response queue:
// any NATS client may consume the events stream. Events are recorded in the
// EventOutbox with the state change and relayed at least once: a consumer
// de-duplicates by ID.
type Event struct {
	// ID is stable for one state change (see TaskEvent): the queue's
	// de-duplication ID and the consumers'.
	ID       string     `json:"id"`
	Type     EventType  `json:"type"`
	TaskID   string     `json:"task_id"`
	TenantID string     `json:"tenant_id"`
	AssetID  string     `json:"asset_id"`
	BatchID  string     `json:"batch_id,omitempty"`
	Attempt  int        `json:"attempt"`
	Error    *TaskError `json:"error,omitempty"`
	At       time.Time  `json:"at"`
	// Step and Progress (0..1, of the whole task) are set on progress events.
	Step     string  `json:"step,omitempty"`
	Progress float64 `json:"progress,omitempty"`
	// RequestID and CorrelationID are a stream request's, on its received
	// and rejected events.
	RequestID     string `json:"request_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	// Outputs are the task's, on succeeded events.
	Outputs []TaskOutput `json:"outputs,omitempty"`
}

// CallbackMessage asks for the callback of a task's final state to be
// delivered.
type CallbackMessage struct {
	TaskID   string    `json:"task_id"`
	TenantID string    `json:"tenant_id"`
	Event    EventType `json:"event"`
}

// Delivery is one delivery of a queue message to a consumer. Exactly one of
// Ack, Nak or Term must end it; until then InProgress keeps it from being
// redelivered to another consumer.
type Delivery interface {
	// Attempt is the 1-based number of times the message has been delivered.
	Attempt() int
	// InProgress resets the message's ack deadline (a heartbeat for long work).
	InProgress(ctx context.Context) error
	// Ack removes the message: the work is done.
	Ack(ctx context.Context) error
	// Nak asks for redelivery after delay.
	Nak(ctx context.Context, delay time.Duration) error
	// Term removes the message without success: it will not be redelivered.
	Term(ctx context.Context) error
}

// ConsumeOptions bound a consumer.
type ConsumeOptions struct {
	// Concurrency is how many messages the handler may hold at once.
	Concurrency int
	// Prefetch is how many messages may be fetched ahead of a free handler
	// slot; 0 fetches only for free slots.
	Prefetch int
}

// Queue is the durable work queue of tasks, the stream of task events, and
// the queue of callbacks.
//
// Every implementation passes the conformance suite in internal/queue/queuetest.
type Queue interface {
	// PublishTask enqueues m durably. Publishing the same MessageID again
	// within the de-duplication window is a no-op.
	PublishTask(ctx context.Context, m TaskMessage) error
	// ConsumeTasks delivers task messages to handle, at most
	// opts.Concurrency at once, until ctx is done. It then stops fetching,
	// waits for the running handlers, and returns. A message whose handler
	// returned without ending it is Nak'ed at once.
	ConsumeTasks(ctx context.Context, opts ConsumeOptions, handle func(context.Context, TaskMessage, Delivery)) error
	// PublishEvent publishes e on the events stream and waits for the
	// stream's acknowledgement, with e.ID as the de-duplication ID:
	// publishing the same ID again within the window is a no-op.
	PublishEvent(ctx context.Context, e Event) error
	// SubscribeEvents returns the events of the tenant published from now on
	// (only those of taskID when it is not empty), until cancel is called.
	SubscribeEvents(ctx context.Context, tenantID, taskID string) (events <-chan Event, cancel func(), err error)
	// PublishCallback enqueues a callback delivery.
	PublishCallback(ctx context.Context, m CallbackMessage) error
	// ConsumeCallbacks is ConsumeTasks for callback messages.
	ConsumeCallbacks(ctx context.Context, opts ConsumeOptions, handle func(context.Context, CallbackMessage, Delivery)) error
	// Ping reports whether the queue is reachable.
	Ping(ctx context.Context) error
	// Close releases the connection (and stops an embedded server). It is idempotent.
	Close() error
}
