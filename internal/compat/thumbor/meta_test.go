package thumbor_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/compat/thumbor"
	"github.com/easelhq/easel/transform"
)

// TestMeta plans the metadata example of
// https://thumbor.readthedocs.io/en/latest/usage.html#metadata-endpoint on
// an 800x600 source and checks thumbor's JSON shape.
func TestMeta(t *testing.T) {
	t.Parallel()
	req, err := thumbor.Parse(thumbor.Config{AllowUnsafe: true}, "/unsafe/meta/10x10:810x610/-300x-200/path/to/my/nice/image.jpg")
	require.NoError(t, err)
	require.True(t, req.Meta)
	src := transform.Source{Format: transform.FormatJPEG, Width: 1000, Height: 1000, Pages: 1}
	p, err := transform.NewPlan(req.Options, src, transform.PlanConfig{})
	require.NoError(t, err)
	got, err := thumbor.Meta(req.Image, src, p)
	require.NoError(t, err)
	require.JSONEq(t, `{"thumbor": {
		"source": {"url": "path/to/my/nice/image.jpg", "width": 1000, "height": 1000, "frameCount": 1},
		"operations": [
			{"type": "crop", "left": 10, "top": 10, "right": 810, "bottom": 610},
			{"type": "flip_horizontally"},
			{"type": "flip_vertically"},
			{"type": "resize", "width": 300, "height": 225},
			{"type": "crop", "left": 0, "top": 12, "right": 300, "bottom": 212}
		],
		"target": {"width": 300, "height": 200}
	}}`, string(got))
}
