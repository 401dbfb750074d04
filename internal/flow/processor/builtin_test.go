package processor_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/transform"
)

func TestImageRender(t *testing.T) {
	var got string
	render := func(_ context.Context, in processor.File, o transform.Options, dir string) (processor.File, map[string]any, error) {
		got = o.String()
		p := filepath.Join(dir, "image.png")
		data, _ := os.ReadFile(in.Path)
		return processor.File{Path: p, MIME: "image/png"}, map[string]any{"width": 800}, os.WriteFile(p, data, 0o644)
	}
	p := processor.ImageRender{Render: render}
	tests := []struct {
		name string
		raw  map[string]any
		err  string
	}{
		{"good", map[string]any{"ops": "f_png,w_800"}, ""},
		{"missing", nil, "ops: required parameter of image.render"},
		{"bad ops", map[string]any{"ops": "w_99999"}, "ops: w_99999: width must be 1..8192"},
		{"unknown op", map[string]any{"ops": "foo_1"}, `ops: foo_1: unknown operation "foo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := processor.Validate(p, tt.raw)
			if tt.err != "" {
				require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
				require.Equal(t, tt.err, easel.ErrorMessage(err))
				return
			}
			require.NoError(t, err)
			in := filepath.Join(t.TempDir(), "in.png")
			require.NoError(t, os.WriteFile(in, []byte("png"), 0o644))
			outs, err := p.Run(context.Background(), processor.Request{Input: processor.File{Path: in, MIME: "image/png"}, Params: v, Dir: t.TempDir()})
			require.NoError(t, err)
			require.Equal(t, "w_800,f_png", got, "the renderer gets the parsed operations")
			require.Equal(t, "image", outs[0].Name)
			require.Equal(t, 800, outs[0].Meta["width"])
		})
	}
}

func TestFacesAnalyze(t *testing.T) {
	p := processor.FacesAnalyze{Analyze: func(context.Context, processor.File) (any, error) {
		return []easel.Face{{Confidence: 0.9}}, nil
	}}
	outs, err := p.Run(context.Background(), processor.Request{Input: processor.File{MIME: "image/jpeg"}, Params: processor.Values{}, Dir: t.TempDir()})
	require.NoError(t, err)
	require.Equal(t, "application/json", outs[0].File.MIME)
	var faces []easel.Face
	data, _ := os.ReadFile(outs[0].File.Path)
	require.NoError(t, json.Unmarshal(data, &faces))
	require.Len(t, faces, 1)
}

func TestRegistry(t *testing.T) {
	r, err := processor.NewRegistry(processor.ImageRender{}, processor.FacesAnalyze{})
	require.NoError(t, err)
	_, err = processor.NewRegistry(processor.ImageRender{}, processor.ImageRender{})
	require.ErrorContains(t, err, `"image.render" registered twice`)
	ext, err := processor.ParseManifest([]byte("name: image.render\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\n"), t.TempDir(), nil)
	require.NoError(t, err)
	require.ErrorContains(t, r.SetExternal([]processor.Processor{ext}), "name of a built-in")
	ext2, err := processor.ParseManifest([]byte("name: mine\ncommand: [x]\ninputs: [image/png]\noutputs: {o: image/png}\n"), t.TempDir(), nil)
	require.NoError(t, err)
	require.NoError(t, r.SetExternal([]processor.Processor{ext2}))
	require.Equal(t, []string{"faces.analyze", "image.render", "mine"}, r.Names())
	_, ok := r.Get("mine")
	require.True(t, ok)
	require.NoError(t, r.SetExternal(nil))
	_, ok = r.Get("mine")
	require.False(t, ok, "a reload replaces the manifests")
}
