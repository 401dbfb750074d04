package vips

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/easelhq/easel/transform"
)

// BenchmarkRender renders every photo of testdata/photos to a 300 px JPEG,
// a 1200 px WebP and a 1200 px AVIF. Compare the first with
// `vipsthumbnail -s 300 photo.jpg -o x.jpg[Q=80]`.
func BenchmarkRender(b *testing.B) {
	e := newTestEngine(b)
	dir := filepath.Join(testdata(b), "photos")
	ents, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, ent := range ents {
		data := readImage(b, "photos/"+ent.Name())
		src, err := e.Probe(data)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			width  int
			format transform.Format
		}{
			{"w_300,q_80,f_jpeg", 300, transform.FormatJPEG},
			{"w_1200,f_webp", 1200, transform.FormatWebP},
			{"w_1200,f_avif", 1200, transform.FormatAVIF},
		} {
			p := fitWidth(src, c.width, c.format)
			if c.format == transform.FormatAVIF {
				p.Quality = 55
			}
			b.Run(ent.Name()+"/"+c.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := e.Render(context.Background(), data, p, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
