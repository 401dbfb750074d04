package vips

import (
	"context"
	"image"
	"testing"

	"github.com/easelhq/easel/internal/vision/retouch"
	"github.com/easelhq/easel/transform"
)

// redeyeFace is the red-eye close-up's face, measured by hand: the whole
// frame, pupils at (160, 194) and (431, 194).
var redeyeFace = transform.FaceRegion{
	Box:      transform.Rect{X: 0, Y: 0, W: 576, H: 433},
	RightEye: transform.PointF{X: 160.5, Y: 193.6},
	LeftEye:  transform.PointF{X: 431.2, Y: 194.1},
	Mouth:    transform.PointF{X: 296, Y: 420},
}

func toRGB(m image.Image) retouch.RGB {
	b := m.Bounds()
	img := retouch.RGB{Pix: make([]byte, 0, b.Dx()*b.Dy()*3), W: b.Dx(), H: b.Dy()}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := rgba8(m, x, y)
			img.Pix = append(img.Pix, r, g, bl)
		}
	}
	return img
}

func TestRenderFaceEffects(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	data := readImage(t, "faces/redeye_thumbor_redeye.png")
	base := transform.Plan{Pages: 1, Format: transform.FormatPNG, Background: transform.Color{R: 255, G: 255, B: 255, A: 255}, Width: 576, Height: 433}
	render := func(fx transform.Effects, faces []transform.FaceRegion) image.Image {
		p := base
		p.Effects, p.Faces = fx, faces
		out, err := e.Render(context.Background(), data, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		return decode(t, out.Data)
	}
	plain := render(transform.Effects{}, nil)
	faces := []transform.FaceRegion{redeyeFace}
	eyes := retouch.EyeRegions(faces)
	inBox := func(x, y int) bool { return true }
	tests := []struct {
		name   string
		fx     transform.Effects
		inside func(x, y int) bool
	}{
		{"red eye", transform.Effects{RedEye: true}, eyes},
		{"blur faces", transform.Effects{BlurFaces: 8}, inBox},
		{"pixelate faces", transform.Effects{PixelateFaces: 12}, inBox},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(tt.fx, faces)
			changed := 0
			for y := 0; y < 433; y++ {
				for x := 0; x < 576; x++ {
					r1, g1, b1, _ := rgba8(plain, x, y)
					r2, g2, b2, _ := rgba8(got, x, y)
					if r1 != r2 || g1 != g2 || b1 != b2 {
						if !tt.inside(x, y) {
							t.Fatalf("pixel (%d,%d) outside the regions changed: %d,%d,%d → %d,%d,%d", x, y, r1, g1, b1, r2, g2, b2)
						}
						changed++
					}
				}
			}
			if changed == 0 {
				t.Fatal("nothing changed")
			}
		})
	}
	t.Run("whiten", func(t *testing.T) {
		// The close-up's mouth is cut off by the frame: whiten an open smile
		// whose teeth span about x 339..410, y 317..337 (see retouch's
		// TestWhitenRealImage).
		smile := readImage(t, "faces/thumbor_Katherine_Maher_800px.jpg")
		face := transform.FaceRegion{Box: transform.Rect{X: 295, Y: 165, W: 200, H: 230}, Mouth: transform.PointF{X: 373, Y: 328}}
		p := base
		p.Format, p.Width, p.Height = transform.FormatPNG, 800, 533
		renderSmile := func(fx transform.Effects, faces []transform.FaceRegion) image.Image {
			q := p
			q.Effects, q.Faces = fx, faces
			out, err := e.Render(context.Background(), smile, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			return decode(t, out.Data)
		}
		before := renderSmile(transform.Effects{}, nil)
		after := renderSmile(transform.Effects{Whiten: 80}, []transform.FaceRegion{face})
		inMouth := retouch.MouthRegions([]transform.FaceRegion{face})
		changed, brighter := 0, 0
		for y := 0; y < 533; y++ {
			for x := 0; x < 800; x++ {
				r1, g1, b1, _ := rgba8(before, x, y)
				r2, g2, b2, _ := rgba8(after, x, y)
				if r1 == r2 && g1 == g2 && b1 == b2 {
					continue
				}
				if !inMouth(x, y) {
					t.Fatalf("pixel (%d,%d) outside the mouth changed", x, y)
				}
				changed++
				if x >= 339 && x <= 410 && y >= 317 && y <= 337 && int(b2)-int(b1) > 0 {
					brighter++ // yellow lowered: blue raised
				}
			}
		}
		t.Logf("%d pixels changed, %d teeth pixels less yellow", changed, brighter)
		if changed == 0 || brighter < 100 {
			t.Fatalf("whitening changed %d pixels, %d of the teeth less yellow: it did nothing", changed, brighter)
		}
	})
	t.Run("red eye ratio", func(t *testing.T) {
		centres := []transform.PointF{redeyeFace.RightEye, redeyeFace.LeftEye}
		before := retouch.RedEyeRatio(toRGB(plain), centres, 14)
		after := retouch.RedEyeRatio(toRGB(render(transform.Effects{RedEye: true}, faces)), centres, 14)
		t.Logf("red/((g+b)/2) in the pupils: %.2f before, %.2f after", before, after)
		if before < 2 || after >= 1.2 {
			t.Fatalf("ratio %.2f before, %.2f after; want > 2 then < 1.2", before, after)
		}
	})
	t.Run("no faces, no change", func(t *testing.T) {
		got := render(transform.Effects{RedEye: true, BlurFaces: 5}, nil)
		if hashDistance(plain, got) != 0 {
			t.Fatal("face effects without faces changed the image")
		}
	})
}
