-- 0005: the pyramid of levels the worker makes after an upload, as a JSON
-- array of easel.Level on the asset (NULL until it is made; [] when the
-- asset has no levels). The level bytes live in the blob store.

ALTER TABLE assets ADD COLUMN levels TEXT;
