// Package video is easel's video on Debian's ffmpeg and ffprobe: probing
// (duration, dimensions, codecs, rotation, bit rate) and the built-in
// processors video.probe, video.frames, video.watermark, video.transcode
// and video.preview, each a processor.Processor with declared parameters.
//
// ffmpeg runs with the run's context (its process group is killed when the
// context ends) and with -progress, parsed into the fraction done for the
// Request's Progress callback, so that the worker can report it and keep
// the queue message alive.
package video
