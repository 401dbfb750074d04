package video

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Poster captures one frame of the video at path, at seconds, as a JPEG of
// the video's displayed size (rotation applied) at the highest quality, for
// the image operations to work on. A seek within the last frame's span can
// find no frame: then the last frame before it is taken.
func (t Tools) Poster(ctx context.Context, path string, at float64) ([]byte, error) {
	dir, err := os.MkdirTemp("", "easel-poster-")
	if err != nil {
		return nil, fmt.Errorf("video: poster: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "poster.jpg")
	capture := func(ss string, fromEnd bool) ([]byte, error) {
		seek := "-ss"
		if fromEnd {
			seek = "-sseof"
		}
		args := []string{seek, ss, "-i", path, "-map", "0:v:0", "-an", "-sn", "-dn"}
		if !fromEnd {
			args = append(args, "-frames:v", "1")
		}
		// -update 1: one file, the last frame written wins.
		args = append(args, "-update", "1", "-c:v", "mjpeg", "-pix_fmt", "yuvj444p", "-q:v", "1", "-f", "image2", out)
		if err := t.Run(ctx, args, 0, nil); err != nil {
			return nil, err
		}
		return os.ReadFile(out)
	}
	data, err := capture(ff(at), false)
	if err == nil && len(data) > 0 {
		return data, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("video: poster: %w", ctx.Err())
	}
	// Past the last frame's start: the last second's last frame.
	data, err2 := capture("-1", true)
	if err2 != nil || len(data) == 0 {
		if err == nil {
			err = err2
		}
		return nil, fmt.Errorf("video: no frame at %ss: %w", ff(at), err)
	}
	return data, nil
}
