-- 0013: tasks on source images, and the assets those images became.
--
-- tasks.source is the task's source image as JSON ({"name","path"}); NULL
-- for a task on an uploaded asset. Such a task's asset_id is '' until the
-- worker has imported the image; UpdateTask then fills it once.
ALTER TABLE tasks ADD COLUMN source TEXT;

-- One asset per tenant, source, decoded path and SHA-256 of the bytes
-- fetched: the same image at the same path is imported once.
CREATE TABLE source_assets (
    tenant_id  TEXT   NOT NULL REFERENCES tenants (id),
    source     TEXT   NOT NULL,
    path       TEXT   NOT NULL,
    sha256     TEXT   NOT NULL,
    etag       TEXT   NOT NULL,
    asset_id   TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, source, path, sha256)
);
