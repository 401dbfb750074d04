package vision

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// BlazeFace runs MediaPipe's two BlazeFace face detectors with onnxruntime:
// "back" (256×256 input) for small and medium faces, "front" (128×128) for
// large ones. It keeps Config.Sessions onnxruntime sessions of each; Detect
// waits for free ones. Close releases them.
type BlazeFace struct {
	cfg         Config
	back, front *blazeModel
	closed      chan struct{}
	once        sync.Once
}

var _ Detector = (*BlazeFace)(nil)

// NewBlazeFace loads onnxruntime (once per process) and both models. The
// error says what is missing, for New's fallback reason.
func NewBlazeFace(cfg Config) (Detector, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	backPath, frontPath, runtimePath := cfg.ModelPath, cfg.FrontModelPath, cfg.RuntimePath
	if backPath == "" {
		backPath = filepath.Join(cfg.Dir, ModelFile)
	}
	if frontPath == "" {
		frontPath = filepath.Join(cfg.Dir, FrontModelFile)
	}
	if runtimePath == "" {
		runtimePath = filepath.Join(cfg.Dir, RuntimeFile)
	}
	if err := initRuntime(runtimePath); err != nil {
		return nil, err
	}
	b := &BlazeFace{cfg: cfg, closed: make(chan struct{})}
	var err error
	if b.back, err = newBlazeModel(backPath, backSize, cfg, b.closed); err != nil {
		return nil, err
	}
	if b.front, err = newBlazeModel(frontPath, frontSize, cfg, b.closed); err != nil {
		b.back.destroy()
		return nil, err
	}
	return b, nil
}

// inferences is the number of model runs so far (both models).
func (b *BlazeFace) inferences() int64 { return b.back.runs.Load() + b.front.runs.Load() }

// Name returns "blazeface".
func (b *BlazeFace) Name() string { return NameBlazeFace }

// Close waits for running detections and releases the onnxruntime sessions.
// It is idempotent; Detect fails after it.
func (b *BlazeFace) Close() error {
	var err error
	b.once.Do(func() {
		close(b.closed)
		err = errors.Join(b.back.destroy(), b.front.destroy())
	})
	return err
}

var errClosed = errors.New("blazeface: detector closed")

// ortRuntime records the onnxruntime library the process loaded: the
// environment is global and can be initialised once.
var ortRuntime struct {
	sync.Mutex
	path string
}

func initRuntime(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("blazeface: onnxruntime path %q: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("blazeface: onnxruntime library: %w (run make vision-deps)", err)
	}
	ortRuntime.Lock()
	defer ortRuntime.Unlock()
	if ort.IsInitialized() {
		if abs != ortRuntime.path {
			return fmt.Errorf("blazeface: onnxruntime already loaded from %s, not %s", ortRuntime.path, abs)
		}
		return nil
	}
	ort.SetSharedLibraryPath(abs)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("blazeface: load onnxruntime %s: %w", abs, err)
	}
	ortRuntime.path = abs
	return nil
}
