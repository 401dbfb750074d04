-- 0011: video assets and task progress. kind is 'image' or 'video'; video
-- is the JSON of easel.Video (duration, codecs, rotation, bit rate) of a
-- video, NULL for images. progress is the fraction of a running task's
-- work done (0..1) as its worker last reported it.

ALTER TABLE assets ADD COLUMN kind TEXT NOT NULL DEFAULT 'image';
ALTER TABLE assets ADD COLUMN video TEXT;
ALTER TABLE tasks ADD COLUMN progress DOUBLE PRECISION NOT NULL DEFAULT 0;
