-- 0010: flows defined over the API (PUT /v1/flows/{name}), every version
-- kept (a task names the version it ran); a delete marks the versions
-- deleted_at (nanoseconds, UTC) so that numbers are never reused. And the
-- indexes of GET /v1/tasks: a tenant's tasks newest first (by ID) in a
-- state, of a kind, or of an asset.

CREATE TABLE flow_versions (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    yaml       TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    deleted_at BIGINT,
    PRIMARY KEY (name, version)
);

CREATE INDEX tasks_tenant_state_id_idx ON tasks (tenant_id, state, id);
CREATE INDEX tasks_tenant_kind_id_idx ON tasks (tenant_id, kind, id);
CREATE INDEX tasks_tenant_asset_id_idx ON tasks (tenant_id, asset_id, id);
