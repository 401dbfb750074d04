package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Checker is implemented by processors whose parameters need more checks
// than their declared types and ranges (image.render parses its operations).
type Checker interface {
	// CheckParams returns an invalid_argument error naming the parameter.
	CheckParams(v Values) error
}

// Validate checks raw parameters against p's Spec, and its Checker when it
// has one. Every way in calls it before anything is queued.
func Validate(p Processor, raw map[string]any) (Values, error) {
	v, err := p.Spec().Validate(raw)
	if err != nil {
		return nil, err
	}
	if c, ok := p.(Checker); ok {
		if err := c.CheckParams(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// imageInputs are what the image engine reads.
var imageInputs = []string{"image/jpeg", "image/png", "image/webp", "image/gif", "image/avif", "image/heic", "image/tiff", "image/jxl"}

// RenderFunc renders the image in with the operations, writing the result
// into dir; it returns the written file and what it knows of it (format,
// width, height). The composition root passes one backed by the engine, so
// this package needs no cgo.
type RenderFunc func(ctx context.Context, in File, ops transform.Options, dir string) (File, map[string]any, error)

// ImageRender is the built-in image.render: every operation of the grammar,
// given as {ops: "w_800,f_png"}.
type ImageRender struct{ Render RenderFunc }

var (
	_ Processor = ImageRender{}
	_ Checker   = ImageRender{}
)

// Spec implements Processor.
func (ImageRender) Spec() Spec {
	return Spec{
		Name: "image.render", Inputs: imageInputs, Outputs: map[string]string{"image": "image/*"},
		Params: map[string]Param{"ops": {Type: TypeString, Min: ptr(1), Max: ptr(2048), Doc: "operations, as in delivery URLs"}},
	}
}

// CheckParams implements Checker: ops must parse.
func (ImageRender) CheckParams(v Values) error {
	if _, err := transform.Parse(v["ops"].(string)); err != nil {
		return easel.Errorf(easel.CodeInvalidArgument, "ops: %s", easel.ErrorMessage(err))
	}
	return nil
}

// Run implements Processor.
func (r ImageRender) Run(ctx context.Context, req Request) ([]Output, error) {
	o, err := transform.Parse(req.Params["ops"].(string))
	if err != nil {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "ops: %s", easel.ErrorMessage(err))
	}
	f, meta, err := r.Render(ctx, req.Input, o, req.Dir)
	if err != nil {
		return nil, err
	}
	return []Output{{Name: "image", File: f, Meta: meta}}, nil
}

// AnalyzeFunc analyses the faces of the image in; the result is written
// as JSON.
type AnalyzeFunc func(ctx context.Context, in File) (any, error)

// FacesAnalyze is the built-in faces.analyze: the faces (boxes, landmarks,
// scores) of an image, as a JSON output "faces".
type FacesAnalyze struct{ Analyze AnalyzeFunc }

var _ Processor = FacesAnalyze{}

// Spec implements Processor.
func (FacesAnalyze) Spec() Spec {
	return Spec{Name: "faces.analyze", Inputs: imageInputs, Outputs: map[string]string{"faces": "application/json"}}
}

// Run implements Processor.
func (a FacesAnalyze) Run(ctx context.Context, req Request) ([]Output, error) {
	res, err := a.Analyze(ctx, req.Input)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("faces.analyze: encoding: %w", err)
	}
	p := filepath.Join(req.Dir, "faces.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return nil, fmt.Errorf("faces.analyze: %w", err)
	}
	return []Output{{Name: "faces", File: File{Path: p, MIME: "application/json"}}}, nil
}

func ptr(f float64) *float64 { return &f }
