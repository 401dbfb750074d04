package vision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync/atomic"

	ort "github.com/yalue/onnxruntime_go"
)

// blazeModel is one BlazeFace model with its pool of onnxruntime sessions.
type blazeModel struct {
	size   int // input side
	pool   chan *blazeSession
	n      int
	closed <-chan struct{}
	runs   atomic.Int64 // inferences so far, for the photo report
}

// blazeSession is one onnxruntime session with its bound tensors.
type blazeSession struct {
	session *ort.AdvancedSession
	input   *ort.Tensor[float32]
	// outputs: scores of the 16×16 and 8×8 grids, then their regressors.
	outputs [4]*ort.Tensor[float32]
	// scores and regs hold the outputs of both grids end to end, in anchor
	// order, reused by every run.
	scores, regs []float32
}

func newBlazeModel(path string, size int, cfg Config, closed <-chan struct{}) (*blazeModel, error) {
	model, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("blazeface: model: %w (run make vision-deps)", err)
	}
	names, err := outputNames(model, size)
	if err != nil {
		return nil, fmt.Errorf("blazeface: %s: %w", path, err)
	}
	m := &blazeModel{size: size, pool: make(chan *blazeSession, cfg.Sessions), closed: closed}
	for range cfg.Sessions {
		s, err := newBlazeSession(model, names, size, cfg.Threads)
		if err != nil {
			m.destroy()
			return nil, err
		}
		m.pool <- s
		m.n++
	}
	return m, nil
}

// destroy releases the sessions, waiting for those in use.
func (m *blazeModel) destroy() error {
	var errs []error
	for range m.n {
		errs = append(errs, (<-m.pool).destroy())
	}
	m.n = 0
	return errors.Join(errs...)
}

// run infers v and returns the candidates scoring at least minScore, in the
// image's pixels, tagged with pass.
func (m *blazeModel) run(ctx context.Context, v view, minScore float64, pass passSet) ([]candidate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var s *blazeSession
	select {
	case s = <-m.pool:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-m.closed:
		return nil, errClosed
	}
	defer func() { m.pool <- s }()
	select {
	case <-m.closed:
		return nil, errClosed
	default:
	}
	m.runs.Add(1)
	v.fill(s.input.GetData())
	if err := s.session.Run(); err != nil {
		return nil, fmt.Errorf("blazeface: run: %w", err)
	}
	s.scores = append(append(s.scores[:0], s.outputs[0].GetData()...), s.outputs[1].GetData()...)
	s.regs = append(append(s.regs[:0], s.outputs[2].GetData()...), s.outputs[3].GetData()...)
	cands := decode(s.scores, s.regs, minScore, m.size)
	for i := range cands {
		cands[i] = v.toImage(cands[i])
		cands[i].passes = pass
	}
	return cands, nil
}

// outputNames returns the model's input name and its four outputs in the
// order blazeSession.outputs wants, told apart by shape: [1,N,1] holds
// scores, [1,N,16] regressors; N is 512 for the 16×16 grid, 384 for 8×8.
func outputNames(model []byte, size int) (names [5]string, err error) {
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return names, fmt.Errorf("blazeface: read model: %w", err)
	}
	if len(ins) != 1 || len(outs) != 4 {
		return names, fmt.Errorf("blazeface: model has %d inputs and %d outputs, want 1 and 4", len(ins), len(outs))
	}
	if want := ort.NewShape(1, int64(size), int64(size), 3); !ins[0].Dimensions.Equals(want) {
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
	for i, o := range outs {
		if !o.Dimensions.Equals(outputShapes[i]) {
			return names, fmt.Errorf("blazeface: model output %q is %s, want %s", o.Name, o.Dimensions, outputShapes[i])
		}
		names[i+1] = o.Name
	}
	return names, nil
}

var outputShapes = []ort.Shape{
	ort.NewShape(1, 512, 1), ort.NewShape(1, 384, 1),
	ort.NewShape(1, 512, numRegressors), ort.NewShape(1, 384, numRegressors),
}

func newBlazeSession(model []byte, names [5]string, size, threads int) (s *blazeSession, err error) {
	s = &blazeSession{scores: make([]float32, 0, len(anchors)), regs: make([]float32, 0, len(anchors)*numRegressors)}
	defer func() {
		if err != nil {
			s.destroy()
		}
	}()
	if s.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(size), int64(size), 3)); err != nil {
		return nil, fmt.Errorf("blazeface: input tensor: %w", err)
	}
	outs := make([]ort.Value, 4)
	for i, sh := range outputShapes {
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
	// All graph optimisations (the default, said here because it matters:
	// the blocked NCHWc convolutions halve the CPU time of an inference
	// against "extended", "basic" or none, measured on this model).
	if err = opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return nil, fmt.Errorf("blazeface: graph optimisation: %w", err)
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
