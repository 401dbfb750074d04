package transform_test

import (
	"fmt"
	"strings"

	"github.com/easelhq/easel/transform"
)

func ExampleParse() {
	o, err := transform.Parse("f_webp,c_fill,h_200,w_300,g_centre,e_blur:4.0,txt_Hi%2C%20there")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Width, o.Height, o.Crop, o.Effects.Blur, o.Text.Text)
	fmt.Println(o.String())

	_, err = transform.Parse("w_99999")
	fmt.Println(err)
	// Output:
	// 300 200 fill 4 Hi, there
	// w_300,h_200,c_fill,g_center,e_blur:4,txt_Hi%2C%20there,f_webp
	// invalid_argument: w_99999: width must be 1..8192
}

func ExampleSignedPath() {
	key := []byte("tenant signing key")
	ops := transform.Options{Width: 300, Format: transform.FormatAuto}.String()
	path := transform.SignedPath(key, ops, "01hq3v5k8m9n0p2r4s6t7v8w9x", "")
	fmt.Println(strings.Count(path, "/"), strings.HasSuffix(path, "/w_300,f_auto/01hq3v5k8m9n0p2r4s6t7v8w9x"))

	rest := strings.TrimPrefix(path, transform.DeliveryPrefix)
	sig, ops, id, _, err := transform.ParsePath(rest)
	fmt.Println(ops, id, err)
	fmt.Println(transform.Verify([][]byte{key}, sig, rest[len(sig)+1:]))
	// Output:
	// 4 true
	// w_300,f_auto 01hq3v5k8m9n0p2r4s6t7v8w9x <nil>
	// true
}

func ExampleNewPlan() {
	o, _ := transform.Parse("w_400,h_400,c_fill,f_auto")
	src := transform.Source{Format: transform.FormatJPEG, Width: 1200, Height: 800, Pages: 1}
	p, err := transform.NewPlan(o, src, transform.PlanConfig{Accept: "image/avif,image/webp,*/*"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("resize to %dx%d, extract %+v, output %dx%d %s q%d\n",
		p.ResizeWidth, p.ResizeHeight, *p.Extract, p.Width, p.Height, p.Format, p.Quality)
	// Output:
	// resize to 600x400, extract {X:100 Y:0 W:400 H:400}, output 400x400 avif q55
}
