package easel

// Asset kinds.
const (
	KindImage = "image"
	KindVideo = "video"
)

// Video is what ffprobe told of a video asset at upload. Its fields appear
// at the top level of the asset in JSON.
type Video struct {
	Duration   float64 `json:"duration"` // seconds
	VideoCodec string  `json:"video_codec"`
	AudioCodec string  `json:"audio_codec,omitempty"`
	// Rotation is how many degrees clockwise the stored frames are turned
	// for display (0, 90, 180, 270); the asset's Width and Height are the
	// displayed ones.
	Rotation  int     `json:"rotation"`
	BitRate   int64   `json:"bit_rate"`   // bits per second, whole file
	FrameRate float64 `json:"frame_rate"` // frames per second of the video stream
	Frames    int64   `json:"frames"`     // as the container says, else duration x frame rate
}

// IsVideo reports whether the asset is a video.
func (a Asset) IsVideo() bool { return a.Kind == KindVideo }
