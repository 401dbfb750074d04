package svgsafe

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// shapeElements are counted before and after sanitising a real SVG.
var shapeElements = setOf("path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "use", "image")

func countShapes(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	counts := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return counts
		}
		require.NoError(t, err)
		if s, ok := tok.(xml.StartElement); ok && shapeElements[s.Name.Local] {
			counts[s.Name.Local]++
		}
	}
}

// TestSanitizeCorpusKeepsShapes sanitises the real SVGs of the corpus: every
// shape stays, the output passes checkSafe, and (with libvips' command-line
// tools) the sanitised file renders to the same pixels as the original.
func TestSanitizeCorpusKeepsShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		file   string
		render bool
	}{
		{name: "libvips logo (Inkscape, metadata, RDF namespaces)", file: "formats/libvips_logo.svg", render: true},
		{name: "minimal circle", file: "formats/sharp_circle.svg", render: true},
		{name: "giant declared size", file: "hostile/weserv_giant.svg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := testimages.Read(t, tc.file)
			out, err := Sanitize(bytes.NewReader(in), limit)
			require.NoError(t, err)
			require.NoError(t, checkSafe(out), "%s", out)
			require.Equal(t, countShapes(t, in), countShapes(t, out))
			if tc.render {
				requireSameRender(t, in, out)
			}
		})
	}
}

// requireSameRender rasterises both documents with `vips copy` and requires
// the same size and a mean absolute difference under 0.5 of 255.
func requireSameRender(t *testing.T, a, b []byte) {
	t.Helper()
	if _, err := exec.LookPath("vips"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("vips (libvips-tools) not found: `make deps-test` installs it")
		}
		t.Skip("vips (libvips-tools) not found; `make deps-test` installs it")
	}
	dir := t.TempDir()
	render := func(name string, doc []byte) image.Image {
		src, dst := filepath.Join(dir, name+".svg"), filepath.Join(dir, name+".png")
		require.NoError(t, os.WriteFile(src, doc, 0o600))
		out, err := exec.Command("vips", "copy", src, dst).CombinedOutput()
		require.NoError(t, err, "%s", out)
		f, err := os.Open(dst)
		require.NoError(t, err)
		defer f.Close()
		img, err := png.Decode(f)
		require.NoError(t, err)
		return img
	}
	ia, ib := render("a", a), render("b", b)
	require.Equal(t, ia.Bounds(), ib.Bounds())
	var sum, n float64
	bounds := ia.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r1, g1, b1, a1 := ia.At(x, y).RGBA()
			r2, g2, b2, a2 := ib.At(x, y).RGBA()
			for _, d := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
				diff := float64(d[0]>>8) - float64(d[1]>>8)
				if diff < 0 {
					diff = -diff
				}
				sum += diff
				n++
			}
		}
	}
	require.Less(t, sum/n, 0.5, "mean absolute difference of the renders")
	var opaque int
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			if _, _, _, al := ib.At(x, y).RGBA(); al > 0 {
				opaque++
			}
		}
	}
	require.Positive(t, opaque, "the sanitised render is empty")
}
