package easel

import (
	"context"
	"math"
	"strconv"
	"time"
)

// TaskState is where a task is in its life.
type TaskState string

// Task states. accepted → queued → running → succeeded, or → retrying →
// running … → dead after the last attempt or a permanent error. A dead task
// may be retried by hand, which puts it back to accepted.
const (
	TaskAccepted  TaskState = "accepted"  // committed, not yet on the queue (the outbox relay republishes it)
	TaskQueued    TaskState = "queued"    // on the queue, waiting for a worker
	TaskRunning   TaskState = "running"   // a worker has it
	TaskRetrying  TaskState = "retrying"  // an attempt failed; it will run again after a delay
	TaskSucceeded TaskState = "succeeded" // final
	TaskDead      TaskState = "dead"      // final until retried: the last error is in Task.Error
)

// Final reports whether no worker will touch a task in this state again.
func (s TaskState) Final() bool { return s == TaskSucceeded || s == TaskDead }

// Task kinds.
const (
	// TaskRender renders Task.Ops of the asset, one output per entry.
	TaskRender = "render"
)

// Task is a unit of asynchronous work on one asset.
type Task struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	// AssetID is the asset the task works on; for a task on a source image
	// it is empty until the worker has imported the image as an asset.
	AssetID string `json:"asset_id"`
	// Source, when not nil, is the remote image the task works on instead
	// of an uploaded asset: the worker fetches it and imports it as an
	// asset of the tenant (one per source, path and content).
	Source  *TaskSource `json:"source,omitempty"`
	BatchID string      `json:"batch_id,omitempty"`
	Kind    string      `json:"kind"`
	Region  string      `json:"region,omitempty"`
	Ops     []string    `json:"ops"` // canonical operations, one output each
	State   TaskState   `json:"state"`
	// Attempts counts the attempts that started.
	Attempts int `json:"attempts"`
	// Generation grows on every manual retry, so the retried task is a new
	// queue message rather than a duplicate of the last one.
	Generation  int          `json:"-"`
	CallbackURL string       `json:"callback_url,omitempty"`
	Timings     Timings      `json:"timings"`
	Outputs     []TaskOutput `json:"outputs,omitempty"`
	Error       *TaskError   `json:"error,omitempty"`
	// Progress is the fraction of the work done, 0..1, as the worker last
	// reported it (ProgressStore); 1 once succeeded.
	Progress   float64    `json:"progress"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`  // of the last attempt
	FinishedAt *time.Time `json:"finished_at,omitempty"` // when it became final
}

// MessageID is the queue's de-duplication ID of the task's current generation.
func (t Task) MessageID() string {
	if t.Generation == 0 {
		return t.ID
	}
	return t.ID + "." + strconv.Itoa(t.Generation)
}

// Timings are the per-stage durations of the last attempt, in milliseconds
// in JSON.
type Timings struct {
	QueueWait Millis `json:"queue_wait_ms"`
	Download  Millis `json:"download_ms"`
	Process   Millis `json:"process_ms"`
	Store     Millis `json:"store_ms"`
	Callback  Millis `json:"callback_ms"`
}

// Millis is a duration that marshals as fractional milliseconds.
type Millis time.Duration

// TaskOutput is one rendered result of a task. Its blob key derives from the
// task ID and the output's index, so a redelivered task rewrites it.
type TaskOutput struct {
	Ops    string `json:"ops"`
	Key    string `json:"key"`
	Format string `json:"format"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int64  `json:"bytes"`
}

// TaskError is the failure of the last attempt.
type TaskError struct {
	Stage   string `json:"stage"` // queue, download, process, store, callback
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Batch groups tasks submitted together.
type Batch struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Total     int       `json:"total"`
	CreatedAt time.Time `json:"created_at"`
}

// DeadLetter records a task that ran out of attempts or failed permanently.
type DeadLetter struct {
	TaskID   string    `json:"task_id"`
	TenantID string    `json:"tenant_id"`
	Attempts int       `json:"attempts"`
	Error    TaskError `json:"error"`
	At       time.Time `json:"at"`
}

// CallbackDelivery is one attempt to deliver a task's callback.
type CallbackDelivery struct {
	TaskID    string        `json:"task_id"`
	Attempt   int           `json:"attempt"`
	URL       string        `json:"url"`
	Status    int           `json:"status"` // HTTP status; 0 when no response
	Latency   time.Duration `json:"latency_ns"`
	Error     string        `json:"error,omitempty"`
	Delivered bool          `json:"delivered"`
	At        time.Time     `json:"at"`
}

// TaskStore keeps tasks, batches, dead letters and callback deliveries.
//
// Every implementation passes the task part of internal/meta/metatest.
// Lookups of missing rows return an error with CodeNotFound.
type TaskStore interface {
	// CreateTasks inserts tasks (and the batch, when not nil) in one transaction.
	CreateTasks(ctx context.Context, batch *Batch, tasks []Task) error
	GetTask(ctx context.Context, id string) (Task, error)
	// UpdateTask replaces the task's mutable fields (state, attempts,
	// generation, timings, outputs, error, started, finished, updated) when
	// its stored state is one of from; it reports whether it did. This
	// compare-and-set is what makes "succeeded" happen once.
	UpdateTask(ctx context.Context, t Task, from ...TaskState) (bool, error)
	// ListTasks returns up to limit tasks in the state last updated before
	// the time, oldest first (the outbox relay's query).
	ListTasks(ctx context.Context, state TaskState, updatedBefore time.Time, limit int) ([]Task, error)
	GetBatch(ctx context.Context, id string) (Batch, error)
	// BatchCounts returns the number of the batch's tasks in each state.
	BatchCounts(ctx context.Context, batchID string) (map[TaskState]int, error)
	AddDeadLetter(ctx context.Context, d DeadLetter) error
	ListDeadLetters(ctx context.Context, taskID string) ([]DeadLetter, error)
	AddCallbackDelivery(ctx context.Context, d CallbackDelivery) error
	// ListCallbackDeliveries returns a task's callback attempts, oldest first.
	ListCallbackDeliveries(ctx context.Context, taskID string) ([]CallbackDelivery, error)
	// WebhookSecret returns the tenant's callback signing secret.
	WebhookSecret(ctx context.Context, tenantID string) ([]byte, error)
	SetWebhookSecret(ctx context.Context, tenantID string, secret []byte) error
}

// ProgressStore records how far running tasks are.
//
// Every implementation passes the progress part of internal/meta/metatest.
type ProgressStore interface {
	// SetTaskProgress sets the Progress (clamped to 0..1) of the task while
	// it is running, and reports whether it was; it records no event and
	// changes nothing else. A missing task is CodeNotFound.
	SetTaskProgress(ctx context.Context, id string, progress float64) (bool, error)
}

// MarshalJSON writes the duration as fractional milliseconds.
func (m Millis) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(m)/float64(time.Millisecond), 'f', -1, 64)), nil
}

// UnmarshalJSON reads fractional milliseconds.
func (m *Millis) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*m = Millis(math.Round(f * float64(time.Millisecond)))
	return nil
}
