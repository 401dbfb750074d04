-- 0009: client reports (POST /v1/reports) and the server's own stage times,
-- aggregated per minute (source 'client' or 'server'). A row of
-- report_minutes sums one minute (Unix nanoseconds of its start, UTC) of a
-- tenant's reports of one group (group_key joins the group's fields, which
-- are also kept as columns); report_buckets holds, per measure (0 upload,
-- 1 wait, 2 download, 3 total), how many values fell in each logarithmic
-- bucket, for percentiles. Rows are added to (upserts), never rewritten.

CREATE TABLE report_minutes (
    tenant_id    TEXT             NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    minute       BIGINT           NOT NULL,
    group_key    TEXT             NOT NULL,
    source       TEXT             NOT NULL,
    stage        TEXT             NOT NULL,
    effect       TEXT             NOT NULL,
    region       TEXT             NOT NULL,
    network      TEXT             NOT NULL,
    country      TEXT             NOT NULL,
    app_version  TEXT             NOT NULL,
    failed_stage TEXT             NOT NULL,
    count        BIGINT           NOT NULL,
    bytes        BIGINT           NOT NULL,
    upload_n     BIGINT           NOT NULL,
    upload_sum   DOUBLE PRECISION NOT NULL,
    wait_n       BIGINT           NOT NULL,
    wait_sum     DOUBLE PRECISION NOT NULL,
    download_n   BIGINT           NOT NULL,
    download_sum DOUBLE PRECISION NOT NULL,
    total_n      BIGINT           NOT NULL,
    total_sum    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (tenant_id, minute, group_key)
);

CREATE INDEX report_minutes_minute_idx ON report_minutes (minute);

CREATE TABLE report_buckets (
    tenant_id TEXT    NOT NULL,
    minute    BIGINT  NOT NULL,
    group_key TEXT    NOT NULL,
    measure   INTEGER NOT NULL,
    bucket    INTEGER NOT NULL,
    count     BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, minute, group_key, measure, bucket),
    FOREIGN KEY (tenant_id, minute, group_key) REFERENCES report_minutes (tenant_id, minute, group_key) ON DELETE CASCADE
);
