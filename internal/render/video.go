package render

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Poster captures a frame of a video file as an image, in the video's
// displayed orientation. internal/video.Tools is the real one; it runs
// ffmpeg under ctx, killed when ctx ends.
type Poster interface {
	Poster(ctx context.Context, path string, at float64) ([]byte, error)
}

// SetPoster lets the renderer render videos: their poster frame (so_, or
// DefaultPosterTime), on which the image operations then apply. tempDir
// holds a video's bytes while ffmpeg reads them ("" is os.TempDir()).
// Without it a video is unsupported_media.
func (r *Renderer) SetPoster(p Poster, tempDir string) {
	r.poster, r.tempDir = p, tempDir
}

// DefaultPosterTime is the poster frame of a video with no so_: a tenth of
// its duration, at most 5 s in (the first frame is often black).
func DefaultPosterTime(duration float64) float64 {
	return min(duration/10, 5)
}

// PosterTime returns the time of a's poster frame for opts: so_ (past the
// end of the video is invalid_argument), or DefaultPosterTime.
func PosterTime(a easel.Asset, opts transform.Options) (float64, error) {
	var duration float64
	if a.Video != nil {
		duration = a.Video.Duration
	}
	if !opts.HasOffset {
		return DefaultPosterTime(duration), nil
	}
	if duration > 0 && opts.Offset >= duration {
		return 0, easel.Errorf(easel.CodeInvalidArgument, "so_%s: past the end of the video (%.3fs)",
			strconv.FormatFloat(opts.Offset, 'f', -1, 64), duration)
	}
	return opts.Offset, nil
}

// posterFrame returns the poster frame of video a for opts as an image
// asset (its Width and Height the frame's) and the frame's bytes. original
// holds the video's bytes, or is nil to stream them from the blob store.
func (r *Renderer) posterFrame(ctx context.Context, a easel.Asset, original []byte, opts transform.Options) (easel.Asset, []byte, error) {
	if r.poster == nil {
		return easel.Asset{}, nil, easel.Errorf(easel.CodeUnsupportedMedia, "this server renders no video (no ffmpeg)")
	}
	at, err := PosterTime(a, opts)
	if err != nil {
		return easel.Asset{}, nil, err
	}
	f, err := os.CreateTemp(r.tempDir, "easel-video-*")
	if err != nil {
		return easel.Asset{}, nil, fmt.Errorf("render %s: %w", a.ID, err)
	}
	defer os.Remove(f.Name())
	if original != nil {
		_, err = f.Write(original)
	} else {
		err = r.copyOriginal(ctx, a, f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return easel.Asset{}, nil, fmt.Errorf("render %s: staging the video: %w", a.ID, err)
	}
	frame, err := r.poster.Poster(ctx, f.Name(), at)
	if err != nil {
		if ctx.Err() != nil {
			return easel.Asset{}, nil, easel.WrapError(easel.CodeDeadlineExceeded, err, "render timed out")
		}
		return easel.Asset{}, nil, err
	}
	src, err := r.engine.Probe(frame)
	if err != nil {
		return easel.Asset{}, nil, fmt.Errorf("render %s: the poster frame: %w", a.ID, err)
	}
	img := a
	img.Kind, img.Format, img.Video, img.Levels, img.Pages = easel.KindImage, string(src.Format), nil, nil, 1
	img.Width, img.Height = src.DisplayedSize()
	return img, frame, nil
}

// copyOriginal streams a's original from the blob store into w.
func (r *Renderer) copyOriginal(ctx context.Context, a easel.Asset, w io.Writer) error {
	rc, err := r.blobs.Get(ctx, easel.OriginalKey(a.SHA256))
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	return err
}
