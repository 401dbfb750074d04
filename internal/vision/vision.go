package vision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/easelhq/easel"
)

// RGB is an 8-bit sRGB raster, 3 bytes per pixel, row-major, already in
// displayed orientation.
type RGB struct {
	Pix  []byte
	W, H int
}

// validate reports an invalid raster with CodeInvalidArgument.
func (img RGB) validate() error {
	if img.W <= 0 || img.H <= 0 {
		return easel.Errorf(easel.CodeInvalidArgument, "vision: empty image %dx%d", img.W, img.H)
	}
	if len(img.Pix) != img.W*img.H*3 {
		return easel.Errorf(easel.CodeInvalidArgument, "vision: image buffer is %d bytes, want %d for %dx%d RGB", len(img.Pix), img.W*img.H*3, img.W, img.H)
	}
	return nil
}

// Detector finds faces.
type Detector interface {
	// Detect returns the faces in img, in img's pixels, largest first (an
	// empty slice when there is none). Boxes are clipped to the image;
	// keypoints may lie outside it (ears of a close-up). An invalid raster
	// is an error with easel.CodeInvalidArgument. Safe for concurrent use.
	Detect(ctx context.Context, img RGB) ([]easel.Face, error)
	// Name is "blazeface" or "pigo".
	Name() string
}

// Detector names.
const (
	NameBlazeFace = "blazeface"
	NamePigo      = "pigo"
)

// DefaultDir is where scripts/vision-deps.sh puts the model and the runtime,
// relative to the repository (and to the working directory of the server).
const DefaultDir = "third_party/vision"

// File names in Config.Dir.
const (
	ModelFile      = "blazeface_back_256.onnx"
	FrontModelFile = "blazeface_front_128.onnx"
	RuntimeFile    = "libonnxruntime.so.1"
)

// Config configures the detectors.
type Config struct {
	// Dir is where vision-deps.sh put the model and the runtime.
	Dir string
	// ModelPath, FrontModelPath and RuntimePath override Dir for the
	// BlazeFace "back" and "front" models and libonnxruntime.so.1.
	ModelPath, FrontModelPath, RuntimePath string
	// MinConfidence is the BlazeFace score (0..1) a face needs when two
	// passes (models, tiles) saw it; a face seen by one pass only needs 0.15
	// more.
	MinConfidence float64
	// Threads is the number of onnxruntime intra-op threads per inference.
	Threads int
	// Sessions is the number of inferences of each BlazeFace model that may
	// run at once (one onnxruntime session each, about 5 MB); the passes of
	// one Detect run in parallel on them.
	Sessions int
}

// NewDefaultConfig returns the configuration tuned on the truth set.
func NewDefaultConfig() Config {
	return Config{
		Dir:           DefaultDir,
		MinConfidence: 0.65,
		Threads:       1,
		Sessions:      2,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.MinConfidence < 0 || c.MinConfidence > 1:
		return fmt.Errorf("vision: MinConfidence %v not in [0, 1]", c.MinConfidence)
	case c.Threads < 0:
		return fmt.Errorf("vision: Threads %d < 0", c.Threads)
	case c.Sessions < 0:
		return fmt.Errorf("vision: Sessions %d < 0", c.Sessions)
	}
	return nil
}

func (c Config) withDefaults() Config {
	d := NewDefaultConfig()
	if c.Dir == "" {
		c.Dir = d.Dir
	}
	if c.MinConfidence == 0 {
		c.MinConfidence = d.MinConfidence
	}
	if c.Threads == 0 {
		c.Threads = d.Threads
	}
	if c.Sessions == 0 {
		c.Sessions = d.Sessions
	}
	return c
}

// New returns BlazeFace when the runtime and the model load, else pigo with
// the reason why BlazeFace is not used (for logs and /readyz; "" when
// BlazeFace is used). err is non-nil only when neither detector works.
//
// The detector returned may hold native resources: close it with io.Closer
// when done (a server keeps it for its lifetime).
func New(cfg Config, log *slog.Logger) (d Detector, fallbackReason string, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bf, bfErr := NewBlazeFace(cfg)
	if bfErr == nil {
		log.Info("face detector ready", "detector", NameBlazeFace)
		return bf, "", nil
	}
	reason := bfErr.Error()
	p, pErr := NewPigo()
	if pErr != nil {
		return nil, reason, errors.Join(bfErr, pErr)
	}
	log.Warn("face detector: BlazeFace unavailable, using pigo (run make vision-deps)", "detector", NamePigo, "reason", reason)
	return p, reason, nil
}

// Describe formats the detector in use for /readyz and logs: "blazeface", or
// "pigo (reason)" when New fell back.
func Describe(d Detector, fallbackReason string) string {
	if d == nil {
		return "none (" + fallbackReason + ")"
	}
	if fallbackReason == "" {
		return d.Name()
	}
	return d.Name() + " (" + fallbackReason + ")"
}
