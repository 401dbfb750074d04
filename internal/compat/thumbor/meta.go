package thumbor

import (
	"encoding/json"

	"github.com/easelhq/easel/transform"
)

// metaOperation is one entry of thumbor's "operations" list.
type metaOperation struct {
	Type   string `json:"type"`
	Left   *int   `json:"left,omitempty"`
	Top    *int   `json:"top,omitempty"`
	Right  *int   `json:"right,omitempty"`
	Bottom *int   `json:"bottom,omitempty"`
	Width  *int   `json:"width,omitempty"`
	Height *int   `json:"height,omitempty"`
	Angle  *int   `json:"angle,omitempty"`
}

type metaSize struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

type metaSource struct {
	URL        string `json:"url"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	FrameCount int    `json:"frameCount"`
}

type metaBody struct {
	Thumbor struct {
		Source     metaSource      `json:"source"`
		Operations []metaOperation `json:"operations"`
		Target     metaSize        `json:"target"`
	} `json:"thumbor"`
}

// Meta returns the JSON thumbor's meta/ endpoint answers
// (https://thumbor.readthedocs.io/en/latest/usage.html#metadata-endpoint)
// for the plan easel made of a request: the source, the operations in
// easel's order (crop, rotate, flips, resize, crop) and the target size.
// image is the request's Image; src is the source as probed.
func Meta(image string, src transform.Source, p transform.Plan) ([]byte, error) {
	var b metaBody
	w, h := src.DisplayedSize()
	pages := src.Pages
	if pages < 1 {
		pages = 1
	}
	b.Thumbor.Source = metaSource{URL: image, Width: w, Height: h, FrameCount: pages}
	ops := []metaOperation{}
	crop := func(r transform.Rect) metaOperation {
		right, bottom := r.X+r.W, r.Y+r.H
		return metaOperation{Type: "crop", Left: &r.X, Top: &r.Y, Right: &right, Bottom: &bottom}
	}
	if p.CropBox != nil {
		ops = append(ops, crop(*p.CropBox))
	}
	if p.Rotate != 0 {
		a := p.Rotate
		ops = append(ops, metaOperation{Type: "rotate", Angle: &a})
	}
	if p.FlipH {
		ops = append(ops, metaOperation{Type: "flip_horizontally"})
	}
	if p.FlipV {
		ops = append(ops, metaOperation{Type: "flip_vertically"})
	}
	if p.ResizeWidth > 0 && p.ResizeHeight > 0 {
		rw, rh := p.ResizeWidth, p.ResizeHeight
		ops = append(ops, metaOperation{Type: "resize", Width: &rw, Height: &rh})
	}
	if p.Extract != nil && !p.SmartCrop {
		ops = append(ops, crop(*p.Extract))
	}
	b.Thumbor.Operations = ops
	b.Thumbor.Target = metaSize{Width: p.Width, Height: p.Height}
	return json.Marshal(b)
}
