-- 0003: what the worker finds in an asset (faces, hashes, colours) and the
-- near-duplicate index on its perceptual hash.
--
-- Same conventions as 0001 and 0002: times are BIGINT Unix nanoseconds
-- (UTC), structured values are JSON in TEXT. A 64-bit hash is stored as
-- the BIGINT with the same bit pattern (hashes above 2^63-1 are negative).

CREATE TABLE asset_analysis (
    asset_id    TEXT   NOT NULL PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
    faces       TEXT   NOT NULL, -- JSON array of easel.Face, or null
    detector    TEXT   NOT NULL,
    phash       BIGINT,          -- NULL when the analysis has none
    dhash       BIGINT,
    blurhash    TEXT   NOT NULL,
    colors      TEXT   NOT NULL, -- JSON array of "#rrggbb", or null
    analyzed_at BIGINT NOT NULL
);

-- Multi-index hashing: the pHash cut into 4 bands of 16 bits (band 0 the
-- most significant), one row per band. Two hashes within Hamming distance
-- d agree to within floor(d/4) bits on some band, so a search looks up the
-- few band values near the query's and checks the full phash, stored here
-- too so that the lookup index covers the query and no join is needed.
CREATE TABLE phash_bands (
    tenant_id TEXT     NOT NULL,
    band      SMALLINT NOT NULL,
    value     INTEGER  NOT NULL, -- 0..65535
    asset_id  TEXT     NOT NULL REFERENCES asset_analysis (asset_id) ON DELETE CASCADE,
    phash     BIGINT   NOT NULL
);

CREATE INDEX phash_bands_lookup_idx ON phash_bands (tenant_id, band, value, phash, asset_id);
CREATE UNIQUE INDEX phash_bands_asset_idx ON phash_bands (asset_id, band);
