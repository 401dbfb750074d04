-- 0012: the region each asset lives in (config region/regions). Existing
-- assets get '' (no region: served wherever they are asked for).
ALTER TABLE assets ADD COLUMN region TEXT NOT NULL DEFAULT '';
