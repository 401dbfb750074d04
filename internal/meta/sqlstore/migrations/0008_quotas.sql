-- 0008: per-tenant quotas, rate limits and retention.
--
-- Same conventions as 0001: times are BIGINT Unix nanoseconds (UTC),
-- durations BIGINT nanoseconds. In tenant_policies a NULL column keeps the
-- configured default; 0 means unlimited (a retention of 0: kept forever).

CREATE TABLE tenant_policies (
    tenant_id           TEXT   NOT NULL PRIMARY KEY REFERENCES tenants (id),
    max_stored_bytes    BIGINT,
    uploads_per_minute  BIGINT,
    renders_per_second  DOUBLE PRECISION,
    render_burst        BIGINT,
    retention_originals BIGINT,
    retention_variants  BIGINT,
    updated_at          BIGINT NOT NULL
);

-- The stored size of the levels (the sum of the levels column's bytes),
-- so stored bytes are summed in SQL.
ALTER TABLE assets ADD COLUMN levels_bytes BIGINT NOT NULL DEFAULT 0;

-- Retention: a tenant's assets, oldest first.
CREATE INDEX assets_tenant_created_idx ON assets (tenant_id, created_at);

-- Stored variants (variants/<asset>/<hash> in the blob store), recorded
-- when written, for the stored-bytes quota and variant retention. They go
-- with their asset.
CREATE TABLE variants (
    key        TEXT   NOT NULL PRIMARY KEY,
    asset_id   TEXT   NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    tenant_id  TEXT   NOT NULL,
    bytes      BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX variants_tenant_created_idx ON variants (tenant_id, created_at);
CREATE INDEX variants_asset_idx ON variants (asset_id);

-- One row per stored upload: uploads per minute (a sliding window) and
-- usage. Purged after a day.
CREATE TABLE upload_log (
    id        TEXT   NOT NULL PRIMARY KEY,
    tenant_id TEXT   NOT NULL,
    bytes     BIGINT NOT NULL,
    at        BIGINT NOT NULL
);

CREATE INDEX upload_log_tenant_at_idx ON upload_log (tenant_id, at);
CREATE INDEX upload_log_at_idx ON upload_log (at);

-- Renders per tenant and minute (minute = its start), for usage.
CREATE TABLE render_counts (
    tenant_id TEXT   NOT NULL,
    minute    BIGINT NOT NULL,
    renders   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, minute)
);

CREATE INDEX render_counts_minute_idx ON render_counts (minute);

-- Leases: one holder at a time across nodes (the retention janitor).
CREATE TABLE leases (
    name       TEXT   NOT NULL PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The retention janitor's journal: an item is written pending before its
-- deletion starts and marked done (done_at) once nothing of it is left,
-- so a janitor that stops midway finishes it on its next run. kind is
-- 'original' (key: the asset's sha256) or 'variant' (key: the blob key).
-- The same item is pending at most once (a variant made again after it
-- was deleted may expire again).
CREATE TABLE retention_log (
    id         TEXT   NOT NULL PRIMARY KEY,
    tenant_id  TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    asset_id   TEXT   NOT NULL,
    key        TEXT   NOT NULL,
    bytes      BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    done_at    BIGINT
);

CREATE UNIQUE INDEX retention_log_pending_item_idx ON retention_log (kind, asset_id, key) WHERE done_at IS NULL;
CREATE INDEX retention_log_pending_idx ON retention_log (done_at, started_at);
CREATE INDEX retention_log_tenant_idx ON retention_log (tenant_id, started_at);
