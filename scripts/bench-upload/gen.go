// Command gen writes 300 distinct 1280 px JPEG photos (corpus photos
// re-encoded, one pixel tinted per file) for scripts/bench-upload/run.sh.
//
//	go run ./scripts/bench-upload OUT-DIR PHOTO.jpg...
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"
)

func main() {
	out := os.Args[1]
	var srcs []image.Image
	for _, p := range os.Args[2:] {
		f, err := os.Open(p)
		if err != nil {
			panic(err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			panic(err)
		}
		srcs = append(srcs, img)
	}
	for i := range 300 {
		src := srcs[i%len(srcs)]
		w := 1280
		h := w * src.Bounds().Dy() / src.Bounds().Dx()
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		dst.Set(0, 0, color.RGBA{uint8(i), uint8(i >> 8), 7, 255})
		f, err := os.Create(filepath.Join(out, fmt.Sprintf("photo-%03d.jpg", i)))
		if err != nil {
			panic(err)
		}
		if err := jpeg.Encode(f, dst, &jpeg.Options{Quality: 85}); err != nil {
			panic(err)
		}
		if err := f.Close(); err != nil {
			panic(err)
		}
	}
}
