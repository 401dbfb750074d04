-- 0006: Idempotency-Key of uploads. A key belongs to a tenant and names
-- the asset its first request created; request_hash tells a retry (same
-- body and parameters) from a different request reusing the key. Rows are
-- purged once expired (nanoseconds, UTC).

CREATE TABLE idempotency_keys (
    tenant_id    TEXT   NOT NULL,
    key          TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    asset_id     TEXT   NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
