-- 0001: tenants, API keys, URL signing keys and assets.
--
-- Shared by the SQLite and PostgreSQL stores: times are BIGINT Unix nanoseconds (UTC),
-- byte strings (key hashes, secrets) are lower-case hex TEXT, EXIF is a JSON
-- object in TEXT (NULL when there is none).

CREATE TABLE tenants (
    id         TEXT   NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX tenants_created_at_idx ON tenants (created_at, id);

CREATE TABLE api_keys (
    id         TEXT   NOT NULL PRIMARY KEY,
    tenant_id  TEXT   NOT NULL REFERENCES tenants (id),
    name       TEXT   NOT NULL,
    prefix     TEXT   NOT NULL,
    hash       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE UNIQUE INDEX api_keys_hash_idx ON api_keys (hash);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at, id);

CREATE TABLE signing_keys (
    id         TEXT   NOT NULL PRIMARY KEY,
    tenant_id  TEXT   NOT NULL REFERENCES tenants (id),
    secret     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE INDEX signing_keys_tenant_idx ON signing_keys (tenant_id, created_at, id);

CREATE TABLE assets (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    sha256     TEXT    NOT NULL,
    format     TEXT    NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    pages      INTEGER NOT NULL,
    bytes      BIGINT  NOT NULL,
    name       TEXT    NOT NULL,
    exif       TEXT,
    created_at BIGINT  NOT NULL
);

CREATE INDEX assets_tenant_id_idx ON assets (tenant_id, id);
CREATE INDEX assets_sha256_idx ON assets (sha256);
