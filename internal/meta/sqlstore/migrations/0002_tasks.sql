-- 0002: asynchronous tasks, batches, dead letters, callback deliveries and
-- a webhook signing secret per tenant.
--
-- Same conventions as 0001: times are BIGINT Unix nanoseconds (UTC), byte
-- strings are lower-case hex TEXT, structured values are JSON in TEXT.
-- Durations are BIGINT nanoseconds. Row IDs are TEXT (easel.NewID()), never
-- database-generated, so the SQL runs unchanged on PostgreSQL.

-- The tenant's callback signing secret, hex; NULL until one is set.
ALTER TABLE tenants ADD COLUMN webhook_secret TEXT;

CREATE TABLE batches (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    total      INTEGER NOT NULL,
    created_at BIGINT  NOT NULL
);

CREATE INDEX batches_tenant_id_idx ON batches (tenant_id, id);

-- asset_id has no foreign key on purpose: deleting an asset must not be
-- blocked by (or cascade to) the history of its tasks.
CREATE TABLE tasks (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    asset_id     TEXT    NOT NULL,
    batch_id     TEXT    REFERENCES batches (id),
    kind         TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    ops          TEXT    NOT NULL, -- JSON array of strings
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    generation   INTEGER NOT NULL,
    callback_url TEXT    NOT NULL,
    timings      TEXT    NOT NULL, -- JSON object, easel.Timings
    outputs      TEXT,             -- JSON array of easel.TaskOutput; NULL when none
    error        TEXT,             -- JSON object, easel.TaskError; NULL when none
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT
);

-- The outbox relay: tasks in a state, least recently updated first.
CREATE INDEX tasks_state_updated_idx ON tasks (state, updated_at);
-- Batch progress: counts by state.
CREATE INDEX tasks_batch_state_idx ON tasks (batch_id, state);
CREATE INDEX tasks_tenant_id_idx ON tasks (tenant_id, id);

CREATE TABLE dead_letters (
    id         TEXT    NOT NULL PRIMARY KEY,
    task_id    TEXT    NOT NULL REFERENCES tasks (id),
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    attempts   INTEGER NOT NULL,
    stage      TEXT    NOT NULL,
    code       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    at         BIGINT  NOT NULL
);

CREATE INDEX dead_letters_task_idx ON dead_letters (task_id, at);

CREATE TABLE callback_deliveries (
    id         TEXT    NOT NULL PRIMARY KEY,
    task_id    TEXT    NOT NULL REFERENCES tasks (id),
    attempt    INTEGER NOT NULL,
    url        TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    latency_ns BIGINT  NOT NULL,
    error      TEXT    NOT NULL,
    delivered  BOOLEAN NOT NULL,
    at         BIGINT  NOT NULL
);

CREATE INDEX callback_deliveries_task_idx ON callback_deliveries (task_id, at);
