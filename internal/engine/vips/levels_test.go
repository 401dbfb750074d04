package vips

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/vision/fingerprint"
	"github.com/easelhq/easel/transform"
)

// pyramidSides are the level sides of issue 8.
var pyramidSides = []int{2048, 1024, 512, 256}

// stillPhotos lists the still raster photos of MANIFEST.tsv: photos/,
// faces/, and a few of orientation/ (EXIF orientation, alpha).
func stillPhotos(t *testing.T) []string {
	f, err := os.Open(filepath.Join(testdata(t), "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		file, _, _ := strings.Cut(sc.Text(), "\t")
		switch {
		case strings.HasPrefix(file, "photos/"), strings.HasPrefix(file, "faces/"),
			file == "orientation/recurser_Landscape_6.jpg", file == "orientation/recurser_Landscape_3.jpg",
			file == "orientation/imgproxy_orientation-6.png":
			out = append(out, file)
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d photos in MANIFEST.tsv", len(out))
	}
	return out
}

// knownFaces are faces measured by hand (retouch's tests), for g_face.
var knownFaces = map[string][]easel.Face{
	"faces/thumbor_Katherine_Maher_800px.jpg": {{Box: easel.Box{X: 295, Y: 165, W: 200, H: 230}}},
}

func meanAbsDiff(t *testing.T, a, b image.Image) float64 {
	if a.Bounds() != b.Bounds() {
		t.Fatalf("sizes differ: %v and %v", a.Bounds(), b.Bounds())
	}
	var sum float64
	bd := a.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r1, g1, b1, _ := rgba8(a, x, y)
			r2, g2, b2, _ := rgba8(b, x, y)
			sum += math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))
		}
	}
	return sum / float64(3*bd.Dx()*bd.Dy())
}

// compareRenders renders p from the original and lp from a level: the same
// geometry, and their mean absolute difference and pHash distance.
func compareRenders(t *testing.T, e *Engine, original, level []byte, p, lp transform.Plan) (float64, int) {
	t.Helper()
	orig, err := e.Render(context.Background(), original, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	lev, err := e.Render(context.Background(), level, lp, nil)
	if err != nil {
		t.Fatalf("from the level: %v", err)
	}
	if lev.Width != orig.Width || lev.Height != orig.Height || lev.Format != orig.Format {
		t.Fatalf("the level gives %dx%d %s, the original %dx%d %s",
			lev.Width, lev.Height, lev.Format, orig.Width, orig.Height, orig.Format)
	}
	a, b := decode(t, orig.Data), decode(t, lev.Data)
	return meanAbsDiff(t, a, b), fingerprint.Distance(fingerprint.PHash(fingerprint.FromImage(a)), fingerprint.PHash(fingerprint.FromImage(b)))
}

// TestLevelsQualityGuard renders every still photo of the corpus with a
// table of operations from the original and from the level ChooseLevel
// picks: same geometry, at most 1.5/255 mean absolute difference and 2 bits
// of pHash.
func TestLevelsQualityGuard(t *testing.T) {
	e := newTestEngine(t)
	ops := []string{
		"w_300", "w_300,h_300,c_fill", "w_300,h_300,c_fill,g_face", "w_200,h_300,c_fill,g_fp_0.3:0.7",
		"w_300,e_grayscale", "crop", "w_1200,f_webp", "w_400,h_400,c_pad,a_90",
	}
	var fromLevel, fromOriginal int
	for _, file := range stillPhotos(t) {
		t.Run(file, func(t *testing.T) {
			data := readImage(t, file)
			src, err := e.Probe(data)
			if err != nil {
				t.Fatal(err)
			}
			levels, err := e.MakeLevels(context.Background(), data, pyramidSides)
			if err != nil {
				t.Fatal(err)
			}
			dw, dh := src.DisplayedSize()
			var total int
			descs := make([]transform.Level, len(levels))
			byLevel := map[int][]byte{}
			for i, l := range levels {
				total += len(l.Data)
				descs[i] = l.Level
				byLevel[l.Side] = l.Data
				lsrc, err := e.Probe(l.Data)
				if err != nil {
					t.Fatal(err)
				}
				if lsrc.Width != l.Width || lsrc.Height != l.Height || lsrc.Format != l.Format || lsrc.Orientation > 1 {
					t.Fatalf("level %d is %+v, its header says %+v", l.Side, l.Level, lsrc)
				}
				if l.Side >= max(dw, dh) {
					t.Fatalf("level %d for a %dx%d original", l.Side, dw, dh)
				}
			}
			t.Logf("%dx%d, %d bytes; %d levels, %d bytes (%.0f%% of the original)",
				dw, dh, len(data), len(levels), total, 100*float64(total)/float64(len(data)))
			for _, op := range ops {
				if op == "w_300,h_300,c_fill,g_face" && knownFaces[file] == nil {
					continue
				}
				if op == "crop" {
					op = fmt.Sprintf("cr_%d:%d:%d:%d,w_150", dw/4, dh/4, dw/2, dh/2)
				}
				o, err := transform.Parse(op)
				if err != nil {
					t.Fatal(err)
				}
				p, err := transform.NewPlan(o, src, transform.PlanConfig{Faces: knownFaces[file]})
				if err != nil {
					t.Fatal(err)
				}
				l, ok := transform.ChooseLevel(p, src, descs)
				if !ok {
					fromOriginal++
					continue
				}
				fromLevel++
				// Compare pixels: a lossy output's own quantisation turns a
				// difference under 1/255 in its input into 2/255 between two
				// encodes, so lossy formats are compared as PNG (same
				// geometry, same steps) and their encoded difference logged.
				lossless := p
				lossless.Format = transform.FormatPNG
				lp := transform.PlanForLevel(lossless, src, l)
				mad, ph := compareRenders(t, e, data, byLevel[l.Side], lossless, lp)
				lossy := ""
				if p.Format != transform.FormatPNG {
					m, _ := compareRenders(t, e, data, byLevel[l.Side], p, transform.PlanForLevel(p, src, l))
					lossy = fmt.Sprintf(" (as %s: %.2f/255)", p.Format, m)
				}
				t.Logf("%-36s level %4d: mean |diff| %.2f/255, pHash %d bits%s", op, l.Side, mad, ph, lossy)
				if mad > 1.5 || ph > 2 {
					t.Errorf("%s from level %d: mean |diff| %.2f/255 (max 1.5), pHash distance %d (max 2)", op, l.Side, mad, ph)
				}
			}
		})
	}
	t.Logf("%d renders from a level, %d from the original", fromLevel, fromOriginal)
	if fromLevel < 20 {
		t.Fatalf("only %d renders could use a level: the guard guards nothing", fromLevel)
	}
}
