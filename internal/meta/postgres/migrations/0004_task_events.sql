-- 0004: the event outbox. A task's event is inserted in the transaction of
-- the state change it tells of; a relay publishes the rows to the events
-- stream and deletes them once the stream has acknowledged them.
--
-- Same conventions as before: times are BIGINT Unix nanoseconds (UTC), the
-- error is JSON in TEXT. seq, an identity column, orders the rows by
-- insertion; a task's state changes are serialised by its row lock, so its
-- events' seq follow its commit order.

CREATE TABLE task_events (
    seq       BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        TEXT    NOT NULL UNIQUE, -- easel.EventID: stable per state change
    task_id   TEXT    NOT NULL,
    tenant_id TEXT    NOT NULL,
    asset_id  TEXT    NOT NULL,
    batch_id  TEXT,
    type      TEXT    NOT NULL,
    attempt   INTEGER NOT NULL,
    error     TEXT,             -- JSON object, easel.TaskError; NULL when none
    at        BIGINT  NOT NULL, -- the task's updated_at
    origin    TEXT    NOT NULL, -- the store value (process) that recorded it
    recorded  BIGINT  NOT NULL  -- when, by the clock of that process
);
