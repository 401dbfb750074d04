package vision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/easelhq/easel"
)

// BlazeFace is MediaPipe's BlazeFace "back" (256×256) face detector run by
// onnxruntime. It keeps Config.Sessions onnxruntime sessions; Detect waits
// for a free one. Close releases them.
type BlazeFace struct {
	cfg    Config
	pool   chan *blazeSession
	n      int
	closed chan struct{}
	once   sync.Once
}

var _ Detector = (*BlazeFace)(nil)

// blazeSession is one onnxruntime session with its bound tensors.
type blazeSession struct {
	session *ort.AdvancedSession
	input   *ort.Tensor[float32]
	// outputs: scores of the 16×16 and 8×8 grids, then their regressors.
	outputs [4]*ort.Tensor[float32]
}

// NewBlazeFace loads onnxruntime (once per process) and the model. The
// error says what is missing, for New's fallback reason.
func NewBlazeFace(cfg Config) (Detector, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	modelPath, runtimePath := cfg.ModelPath, cfg.RuntimePath
	if modelPath == "" {
		modelPath = filepath.Join(cfg.Dir, ModelFile)
	}
	if runtimePath == "" {
		runtimePath = filepath.Join(cfg.Dir, RuntimeFile)
	}
	if err := initRuntime(runtimePath); err != nil {
		return nil, err
	}
	model, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, fmt.Errorf("blazeface: model: %w (run make vision-deps)", err)
	}
	names, err := outputNames(model)
	if err != nil {
		return nil, err
	}
	b := &BlazeFace{cfg: cfg, pool: make(chan *blazeSession, cfg.Sessions), closed: make(chan struct{})}
	for range cfg.Sessions {
		s, err := newBlazeSession(model, names, cfg.Threads)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.pool <- s
		b.n++
	}
	return b, nil
}

// Name returns "blazeface".
func (b *BlazeFace) Name() string { return NameBlazeFace }

// Close waits for running detections and releases the onnxruntime sessions.
// It is idempotent; Detect fails after it.
func (b *BlazeFace) Close() error {
	var errs []error
	b.once.Do(func() {
		close(b.closed)
		for range b.n {
			errs = append(errs, (<-b.pool).destroy())
		}
	})
	return errors.Join(errs...)
}

// Close-ups: the "back" model finds faces up to about 40% of its input; a
// larger face (a red-eye close-up, cut off by the frame) scores lower and
// its box and keypoints drift. When the first pass sees one, a second pass
// shows the image smaller (padded) and its faces replace the large ones.
const (
	closeUpSide     = 0.4 // face side / image long side above which a face is a close-up
	closeUpZoomOut  = 1.5 // the second pass scales the long side to inputSize/closeUpZoomOut
	closeUpMinScore = 0.5 // score a large face needs to trigger the second pass
)

// Detect finds the faces in img.
func (b *BlazeFace) Detect(ctx context.Context, img RGB) ([]easel.Face, error) {
	if err := img.validate(); err != nil {
		return nil, err
	}
	faces, err := b.pass(ctx, img, 1)
	if err != nil {
		return nil, err
	}
	long := float64(max(img.W, img.H))
	closeUp := func(f easel.Face) bool { return max(f.Box.W, f.Box.H) > closeUpSide*long }
	if !slices.ContainsFunc(faces, closeUp) {
		return b.confident(faces), nil
	}
	zoomed, err := b.pass(ctx, img, closeUpZoomOut)
	if err != nil {
		return nil, err
	}
	out := b.confident(zoomed)
	for _, f := range b.confident(faces) {
		if closeUp(f) || slices.ContainsFunc(out, func(z easel.Face) bool { return iou(f.Box, z.Box) > nmsIoU }) {
			continue
		}
		out = append(out, f)
	}
	sortLargestFirst(out)
	return out, nil
}

// confident returns the faces scoring at least MinConfidence.
func (b *BlazeFace) confident(faces []easel.Face) []easel.Face {
	return slices.DeleteFunc(slices.Clone(faces), func(f easel.Face) bool { return f.Confidence < b.cfg.MinConfidence })
}

// pass runs the model once on img letterboxed at zoomOut and returns the
// faces scoring at least min(MinConfidence, closeUpMinScore), largest first.
func (b *BlazeFace) pass(ctx context.Context, img RGB, zoomOut float64) ([]easel.Face, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lb := newLetterbox(img, zoomOut)
	var s *blazeSession
	select {
	case s = <-b.pool:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.closed:
		return nil, errClosed
	}
	defer func() { b.pool <- s }()
	select {
	case <-b.closed:
		return nil, errClosed
	default:
	}
	lb.fill(s.input.GetData())
	if err := s.session.Run(); err != nil {
		return nil, fmt.Errorf("blazeface: run: %w", err)
	}
	scores := append(append(make([]float32, 0, len(anchors)), s.outputs[0].GetData()...), s.outputs[1].GetData()...)
	regs := append(append(make([]float32, 0, len(anchors)*numRegressors), s.outputs[2].GetData()...), s.outputs[3].GetData()...)
	cands := weightedNMS(decode(scores, regs, min(b.cfg.MinConfidence, closeUpMinScore)), nmsIoU)
	faces := make([]easel.Face, 0, len(cands))
	for _, c := range cands {
		faces = append(faces, lb.face(c))
	}
	sortLargestFirst(faces)
	return faces, nil
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

// outputNames returns the model's input name and its four outputs in the
// order blazeSession.outputs wants, told apart by shape: [1,N,1] holds
// scores, [1,N,16] regressors; N is 512 for the 16×16 grid, 384 for 8×8.
func outputNames(model []byte) (names [5]string, err error) {
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return names, fmt.Errorf("blazeface: read model: %w", err)
	}
	if len(ins) != 1 || len(outs) != 4 {
		return names, fmt.Errorf("blazeface: model has %d inputs and %d outputs, want 1 and 4", len(ins), len(outs))
	}
	if want := ort.NewShape(1, inputSize, inputSize, 3); !ins[0].Dimensions.Equals(want) {
		return names, fmt.Errorf("blazeface: model input %s, want %s", ins[0].Dimensions, want)
	}
	names[0] = ins[0].Name
	sort.Slice(outs, func(i, j int) bool { // scores before regressors, 16×16 before 8×8
		di, dj := outs[i].Dimensions, outs[j].Dimensions
		if len(di) != 3 || len(dj) != 3 {
			return false
		}
		if di[2] != dj[2] {
			return di[2] < dj[2]
		}
		return di[1] > dj[1]
	})
	want := []ort.Shape{
		ort.NewShape(1, 512, 1), ort.NewShape(1, 384, 1),
		ort.NewShape(1, 512, numRegressors), ort.NewShape(1, 384, numRegressors),
	}
	for i, o := range outs {
		if !o.Dimensions.Equals(want[i]) {
			return names, fmt.Errorf("blazeface: model output %q is %s, want %s", o.Name, o.Dimensions, want[i])
		}
		names[i+1] = o.Name
	}
	return names, nil
}

func newBlazeSession(model []byte, names [5]string, threads int) (s *blazeSession, err error) {
	s = &blazeSession{}
	defer func() {
		if err != nil {
			s.destroy()
		}
	}()
	if s.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, inputSize, inputSize, 3)); err != nil {
		return nil, fmt.Errorf("blazeface: input tensor: %w", err)
	}
	shapes := []ort.Shape{
		ort.NewShape(1, 512, 1), ort.NewShape(1, 384, 1),
		ort.NewShape(1, 512, numRegressors), ort.NewShape(1, 384, numRegressors),
	}
	outs := make([]ort.Value, 4)
	for i, sh := range shapes {
		if s.outputs[i], err = ort.NewEmptyTensor[float32](sh); err != nil {
			return nil, fmt.Errorf("blazeface: output tensor: %w", err)
		}
		outs[i] = s.outputs[i]
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("blazeface: session options: %w", err)
	}
	defer opts.Destroy()
	if err = opts.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("blazeface: threads: %w", err)
	}
	if err = opts.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("blazeface: threads: %w", err)
	}
	s.session, err = ort.NewAdvancedSessionWithONNXData(model, names[:1], names[1:], []ort.Value{s.input}, outs, opts)
	if err != nil {
		return nil, fmt.Errorf("blazeface: session: %w", err)
	}
	return s, nil
}

func (s *blazeSession) destroy() error {
	var errs []error
	if s.session != nil {
		errs = append(errs, s.session.Destroy())
	}
	if s.input != nil {
		errs = append(errs, s.input.Destroy())
	}
	for _, t := range s.outputs {
		if t != nil {
			errs = append(errs, t.Destroy())
		}
	}
	return errors.Join(errs...)
}
