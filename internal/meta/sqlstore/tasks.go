package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

var _ easel.TaskStore = (*Store)(nil)

// Limits of ListTasks.
const (
	DefaultTaskListLimit = 100
	MaxTaskListLimit     = 1000
)

const taskColumns = "id, tenant_id, asset_id, batch_id, kind, region, ops, state, attempts, generation, " +
	"callback_url, timings, outputs, error, created_at, updated_at, started_at, finished_at, source"

// selectTaskColumns are taskColumns and the progress, which only
// SetTaskProgress writes.
const selectTaskColumns = taskColumns + ", progress"

// validTaskState reports whether s is one of the easel.Task* states.
func validTaskState(s easel.TaskState) bool {
	switch s {
	case easel.TaskAccepted, easel.TaskQueued, easel.TaskRunning, easel.TaskRetrying,
		easel.TaskSucceeded, easel.TaskDead:
		return true
	}
	return false
}

// taskMutable is the stored form of the fields UpdateTask replaces.
type taskMutable struct {
	state      string
	attempts   int
	generation int
	timings    string
	outputs    sql.NullString
	errJSON    sql.NullString
	updated    int64
	started    sql.NullInt64
	finished   sql.NullInt64
}

// encodeMutable validates and encodes the mutable fields of t.
func encodeMutable(t easel.Task) (taskMutable, error) {
	var m taskMutable
	if t.ID == "" {
		return m, easel.Errorf(easel.CodeInvalidArgument, "task ID is empty")
	}
	if !validTaskState(t.State) {
		return m, easel.Errorf(easel.CodeInvalidArgument, "task %s: unknown state %q", t.ID, t.State)
	}
	if t.Attempts < 0 || t.Generation < 0 {
		return m, easel.Errorf(easel.CodeInvalidArgument, "task %s: negative attempts or generation", t.ID)
	}
	var err error
	if m.updated, err = toNanos(t.UpdatedAt, "task updated_at"); err != nil {
		return m, err
	}
	if m.started, err = optionalNanos(t.StartedAt, "task started_at"); err != nil {
		return m, err
	}
	if m.finished, err = optionalNanos(t.FinishedAt, "task finished_at"); err != nil {
		return m, err
	}
	b, err := json.Marshal(t.Timings)
	if err != nil {
		return m, fmt.Errorf("task %s: encode timings: %w", t.ID, err)
	}
	m.timings = string(b)
	if len(t.Outputs) > 0 {
		b, err := json.Marshal(t.Outputs)
		if err != nil {
			return m, fmt.Errorf("task %s: encode outputs: %w", t.ID, err)
		}
		m.outputs = sql.NullString{String: string(b), Valid: true}
	}
	if t.Error != nil {
		b, err := json.Marshal(t.Error)
		if err != nil {
			return m, fmt.Errorf("task %s: encode error: %w", t.ID, err)
		}
		m.errJSON = sql.NullString{String: string(b), Valid: true}
	}
	m.state = string(t.State)
	m.attempts, m.generation = t.Attempts, t.Generation
	return m, nil
}

// optionalNanos converts a time that may be nil.
func optionalNanos(t *time.Time, what string) (sql.NullInt64, error) {
	if t == nil {
		return sql.NullInt64{}, nil
	}
	n, err := toNanos(*t, what)
	if err != nil {
		return sql.NullInt64{}, err
	}
	return sql.NullInt64{Int64: n, Valid: true}, nil
}

// insertArgs validates t and returns the arguments of insertTaskSQL.
func insertArgs(t easel.Task) ([]any, error) {
	m, err := encodeMutable(t)
	if err != nil {
		return nil, err
	}
	if t.TenantID == "" || t.AssetID == "" && t.Source == nil || t.Kind == "" {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "task %s: tenant, asset (or source) and kind are required", t.ID)
	}
	var src sql.NullString
	if t.Source != nil {
		b, err := json.Marshal(t.Source)
		if err != nil {
			return nil, fmt.Errorf("task %s: encode source: %w", t.ID, err)
		}
		src = sql.NullString{String: string(b), Valid: true}
	}
	created, err := toNanos(t.CreatedAt, "task created_at")
	if err != nil {
		return nil, err
	}
	ops, err := json.Marshal(t.Ops)
	if err != nil {
		return nil, fmt.Errorf("task %s: encode ops: %w", t.ID, err)
	}
	batch := sql.NullString{String: t.BatchID, Valid: t.BatchID != ""}
	return []any{t.ID, t.TenantID, t.AssetID, batch, t.Kind, t.Region, string(ops), m.state, m.attempts,
		m.generation, t.CallbackURL, m.timings, m.outputs, m.errJSON, created, m.updated, m.started, m.finished, src}, nil
}

const insertTaskSQL = "INSERT INTO tasks (" + taskColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

// CreateTasks inserts the batch, when not nil, and the tasks in one
// transaction: all or nothing.
//
// Every task's tenant must exist (else easel.CodeNotFound), and so must the
// batch a task names, unless it is the batch being created. A batch's tasks
// must belong to the batch's tenant. When batch is not nil, every task must
// carry its ID; batch.Total is stored as given and not checked against
// len(tasks). An existing task or batch ID, an ID repeated in tasks, an empty
// ID, a zero CreatedAt or UpdatedAt and an unknown state are refused with
// easel.CodeInvalidArgument.
func (s *Store) CreateTasks(ctx context.Context, batch *easel.Batch, tasks []easel.Task) error {
	var batchCreated int64
	if batch != nil {
		if batch.ID == "" || batch.TenantID == "" {
			return easel.Errorf(easel.CodeInvalidArgument, "batch ID and tenant are required")
		}
		if batch.Total < 0 {
			return easel.Errorf(easel.CodeInvalidArgument, "batch %s: negative total", batch.ID)
		}
		var err error
		if batchCreated, err = toNanos(batch.CreatedAt, "batch created_at"); err != nil {
			return err
		}
	}
	args := make([][]any, len(tasks))
	seen := make(map[string]struct{}, len(tasks))
	tenants := map[string]struct{}{}
	batches := map[string]string{} // batch ID → tenant ID of its tasks, other than batch
	for i, t := range tasks {
		a, err := insertArgs(t)
		if err != nil {
			return err
		}
		if _, dup := seen[t.ID]; dup {
			return easel.Errorf(easel.CodeInvalidArgument, "task %s appears twice", t.ID)
		}
		seen[t.ID] = struct{}{}
		tenants[t.TenantID] = struct{}{}
		switch {
		case batch != nil && (t.BatchID != batch.ID || t.TenantID != batch.TenantID):
			return easel.Errorf(easel.CodeInvalidArgument, "task %s is not in batch %s of tenant %s", t.ID, batch.ID, batch.TenantID)
		case batch == nil && t.BatchID != "":
			if other, ok := batches[t.BatchID]; ok && other != t.TenantID {
				return easel.Errorf(easel.CodeInvalidArgument, "tasks of several tenants in batch %s", t.BatchID)
			}
			batches[t.BatchID] = t.TenantID
		}
		args[i] = a
	}
	if batch == nil && len(tasks) == 0 {
		return nil
	}
	if batch != nil {
		tenants[batch.TenantID] = struct{}{}
	}

	err := s.inTx(ctx, func(tx Conn) error {
		for id := range tenants {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM tenants WHERE id = ?", id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return easel.Errorf(easel.CodeNotFound, "tenant %s not found", id)
			} else if err != nil {
				return err
			}
		}
		for id, tenant := range batches {
			var owner string
			err := tx.QueryRowContext(ctx, "SELECT tenant_id FROM batches WHERE id = ?", id).Scan(&owner)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return easel.Errorf(easel.CodeNotFound, "batch %s not found", id)
			case err != nil:
				return err
			case owner != tenant:
				return easel.Errorf(easel.CodeInvalidArgument, "batch %s belongs to another tenant", id)
			}
		}
		if batch != nil {
			_, err := tx.ExecContext(ctx, "INSERT INTO batches (id, tenant_id, total, created_at) VALUES (?, ?, ?, ?)",
				batch.ID, batch.TenantID, batch.Total, batchCreated)
			if s.d.IsPrimaryKeyViolation(err) {
				return easel.Errorf(easel.CodeInvalidArgument, "batch %s already exists", batch.ID)
			} else if err != nil {
				return err
			}
		}
		if len(args) == 0 {
			return nil
		}
		stmt, err := tx.PrepareContext(ctx, insertTaskSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		events, err := tx.PrepareContext(ctx, "INSERT INTO task_events ("+eventColumns+", origin, recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer events.Close()
		for i, a := range args {
			_, err := stmt.ExecContext(ctx, a...)
			switch {
			case s.d.IsPrimaryKeyViolation(err):
				return easel.Errorf(easel.CodeInvalidArgument, "task %s already exists", tasks[i].ID)
			case s.d.IsForeignKeyViolation(err):
				return easel.Errorf(easel.CodeNotFound, "tenant %s or batch %s of task %s not found",
					tasks[i].TenantID, tasks[i].BatchID, tasks[i].ID)
			case err != nil:
				return err
			}
			// a[3] and a[13] are the stored batch and error, a[15] updated_at.
			e := easel.TaskEvent(tasks[i])
			if _, err := events.ExecContext(ctx, e.ID, e.TaskID, e.TenantID, e.AssetID, a[3], string(e.Type), e.Attempt, a[13], a[15],
				s.origin, time.Now().UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && len(tasks) > 0 {
		s.signalEvents()
	}
	return s.wrap(err, "create tasks")
}

// GetTask returns the task with the given ID, whichever tenant owns it.
func (s *Store) GetTask(ctx context.Context, id string) (easel.Task, error) {
	t, err := scanTask(s.read.QueryRowContext(ctx, "SELECT "+selectTaskColumns+" FROM tasks WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return easel.Task{}, easel.Errorf(easel.CodeNotFound, "task %s not found", id)
	}
	return t, s.wrap(err, "get task "+id)
}

// UpdateTask replaces the task's mutable fields (state, attempts, generation,
// timings, outputs, error, started_at, finished_at, updated_at) with those of
// t when its stored state is one of from, or unconditionally when from is
// empty. The asset is set once: a stored empty asset_id (a source task
// before its import) takes t.AssetID. The other fields of t (tenant, a
// set asset, batch, kind, region, ops, source, callback URL, created_at)
// are ignored: they never change.
//
// It returns (true, nil) when the row was updated, (false, nil) when the task
// exists but its state is not in from, and (false, error with
// easel.CodeNotFound) when there is no such task. An unknown state in t or
// from, or a zero UpdatedAt, gives easel.CodeInvalidArgument.
func (s *Store) UpdateTask(ctx context.Context, t easel.Task, from ...easel.TaskState) (bool, error) {
	m, err := encodeMutable(t)
	if err != nil {
		return false, err
	}
	for _, f := range from {
		if !validTaskState(f) {
			return false, easel.Errorf(easel.CodeInvalidArgument, "task %s: unknown from state %q", t.ID, f)
		}
	}
	args := make([]any, 0, 11+len(from))
	args = append(args, m.state, m.attempts, m.generation, m.timings, m.outputs, m.errJSON,
		m.started, m.finished, m.updated, t.AssetID, t.ID)
	query := updateTaskSQL
	if len(from) > 0 {
		query = updateTaskFromSQL(len(from))
		for _, f := range from {
			args = append(args, string(f))
		}
	}
	var n, evented int64
	err = s.inTx(ctx, func(tx Conn) error {
		// Lock the row first where the dialect asks: under READ COMMITTED
		// the event's INSERT … SELECT takes no lock, so two racing updates
		// could both see the old state and record their events while only
		// one UPDATE wins. Locked, both statements see the version the
		// UPDATE will change. (SQLite's IMMEDIATE transactions already
		// serialise writers.)
		if s.d.LockRows {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM tasks WHERE id = ? FOR UPDATE", t.ID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			} else if err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, insertEventFromSQL(len(from)), s.eventArgs(t, m, from)...)
		if err != nil {
			return err
		}
		if evented, err = res.RowsAffected(); err != nil {
			return err
		}
		if res, err = tx.ExecContext(ctx, query, args...); err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, s.errorf("update task %q: %w", t.ID, err)
	}
	if evented > 0 {
		s.signalEvents()
	}
	if n == 1 {
		return true, nil
	}
	if len(from) > 0 {
		// Tasks are never deleted, so a task seen now existed at the update:
		// its state did not match.
		var one int
		err := s.read.QueryRowContext(ctx, "SELECT 1 FROM tasks WHERE id = ?", t.ID).Scan(&one)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, s.errorf("update task %q: %w", t.ID, err)
		}
	}
	return false, easel.Errorf(easel.CodeNotFound, "task %s not found", t.ID)
}

// updateTaskSQL fills asset_id once: a source task's, when its image has
// become an asset; an asset_id already set never changes.
const updateTaskSQL = "UPDATE tasks SET state = ?, attempts = ?, generation = ?, timings = ?, outputs = ?, " +
	"error = ?, started_at = ?, finished_at = ?, updated_at = ?, " +
	"asset_id = CASE WHEN asset_id = '' THEN ? ELSE asset_id END WHERE id = ?"

// updateTaskFromSQLs caches the conditional updates by number of states.
var updateTaskFromSQLs = func() (qs [8]string) {
	for n := 1; n < len(qs); n++ {
		qs[n] = updateTaskSQL + " AND state IN (?" + strings.Repeat(", ?", n-1) + ")"
	}
	return qs
}()

func updateTaskFromSQL(n int) string {
	if n < len(updateTaskFromSQLs) {
		return updateTaskFromSQLs[n]
	}
	return updateTaskSQL + " AND state IN (?" + strings.Repeat(", ?", n-1) + ")"
}

// ListTasks returns up to limit tasks in the state whose updated_at is
// strictly before updatedBefore, least recently updated first (ties by ID).
// A limit of zero or less means DefaultTaskListLimit; it is clamped to
// MaxTaskListLimit.
func (s *Store) ListTasks(ctx context.Context, state easel.TaskState, updatedBefore time.Time, limit int) ([]easel.Task, error) {
	if !validTaskState(state) {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "unknown task state %q", state)
	}
	before, err := toNanos(updatedBefore, "updated before")
	if err != nil {
		return nil, err
	}
	switch {
	case limit <= 0:
		limit = DefaultTaskListLimit
	case limit > MaxTaskListLimit:
		limit = MaxTaskListLimit
	}
	rows, err := s.read.QueryContext(ctx, "SELECT "+selectTaskColumns+
		" FROM tasks WHERE state = ? AND updated_at < ? ORDER BY updated_at, id LIMIT ?", string(state), before, limit)
	if err != nil {
		return nil, s.errorf("list %s tasks: %w", state, err)
	}
	defer rows.Close()
	tasks := []easel.Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, s.errorf("list %s tasks: %w", state, err)
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list %s tasks: %w", state, err)
	}
	return tasks, nil
}

func scanTask(sc scanner) (easel.Task, error) {
	var (
		t                  easel.Task
		batch              sql.NullString
		ops, timings       string
		state              string
		outputs, errJSON   sql.NullString
		created, updated   int64
		started, finishedN sql.NullInt64
		src                sql.NullString
	)
	if err := sc.Scan(&t.ID, &t.TenantID, &t.AssetID, &batch, &t.Kind, &t.Region, &ops, &state, &t.Attempts,
		&t.Generation, &t.CallbackURL, &timings, &outputs, &errJSON, &created, &updated, &started, &finishedN, &src, &t.Progress); err != nil {
		return easel.Task{}, err
	}
	if src.Valid {
		t.Source = new(easel.TaskSource)
		if err := json.Unmarshal([]byte(src.String), t.Source); err != nil {
			return easel.Task{}, fmt.Errorf("task %s: bad stored source: %w", t.ID, err)
		}
	}
	t.BatchID = batch.String
	t.State = easel.TaskState(state)
	if err := json.Unmarshal([]byte(ops), &t.Ops); err != nil {
		return easel.Task{}, fmt.Errorf("task %s: bad stored ops: %w", t.ID, err)
	}
	if err := decodeTimings(timings, &t.Timings); err != nil {
		return easel.Task{}, fmt.Errorf("task %s: bad stored timings: %w", t.ID, err)
	}
	if outputs.Valid {
		if err := json.Unmarshal([]byte(outputs.String), &t.Outputs); err != nil {
			return easel.Task{}, fmt.Errorf("task %s: bad stored outputs: %w", t.ID, err)
		}
		if len(t.Outputs) == 0 {
			t.Outputs = nil
		}
	}
	if errJSON.Valid {
		t.Error = new(easel.TaskError)
		if err := json.Unmarshal([]byte(errJSON.String), t.Error); err != nil {
			return easel.Task{}, fmt.Errorf("task %s: bad stored error: %w", t.ID, err)
		}
	}
	t.CreatedAt = fromNanos(created)
	t.UpdatedAt = fromNanos(updated)
	t.StartedAt = nullableTime(started)
	t.FinishedAt = nullableTime(finishedN)
	return t, nil
}

// millisType is the type of the fields of easel.Timings.
var millisType = reflect.TypeFor[easel.Millis]()

// decodeTimings reads timings stored in their JSON form (fractional
// milliseconds). Unlike easel.Millis.UnmarshalJSON, which truncates, it
// rounds to the nearest nanosecond, so every duration below 2^52 ns (52 days)
// round-trips exactly.
func decodeTimings(s string, t *easel.Timings) error {
	var ms map[string]float64
	if err := json.Unmarshal([]byte(s), &ms); err != nil {
		return err
	}
	v := reflect.ValueOf(t).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type != millisType || name == "" || name == "-" {
			return fmt.Errorf("easel.Timings field %s is not a tagged Millis", f.Name)
		}
		if x, ok := ms[name]; ok {
			v.Field(i).SetInt(int64(math.Round(x * float64(time.Millisecond))))
		}
	}
	return nil
}

// wrap returns nil for nil, easel errors as they are, and other errors
// prefixed with the operation.
func (s *Store) wrap(err error, op string) error {
	if err == nil {
		return nil
	}
	var ee *easel.Error
	if errors.As(err, &ee) {
		return err
	}
	return s.errorf("%s: %w", op, err)
}
