package app

import (
	"context"
	"github.com/easelhq/easel"

	"github.com/easelhq/easel/internal/upload"
	"github.com/easelhq/easel/internal/video"
)

// videoProber is ffprobe as the upload's VideoProber.
type videoProber struct{ tools video.Tools }

var _ upload.VideoProber = videoProber{}

// ProbeVideo implements upload.VideoProber.
func (p videoProber) ProbeVideo(ctx context.Context, path string) (upload.VideoInfo, error) {
	i, err := p.tools.Probe(ctx, path)
	if err != nil {
		return upload.VideoInfo{}, err
	}
	v := upload.VideoInfo{Format: i.Format, Width: i.Width, Height: i.Height}
	v.Duration, v.VideoCodec, v.AudioCodec, v.Rotation = i.Duration, i.VideoCodec, i.AudioCodec, i.Rotation
	v.BitRate, v.FrameRate, v.Frames = i.BitRate, i.FrameRate, i.Frames
	return v, nil
}

// streamEvents publishes the events of stream requests on the queue and
// their replies.
type streamEvents struct {
	q  easel.Queue
	rq easel.RequestQueue
}

func (s streamEvents) PublishEvent(ctx context.Context, e easel.Event) error {
	return s.q.PublishEvent(ctx, e)
}

func (s streamEvents) Reply(ctx context.Context, subject string, data []byte) error {
	return s.rq.Reply(ctx, subject, data)
}
