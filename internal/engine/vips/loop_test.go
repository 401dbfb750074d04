package vips

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/easelhq/easel/transform"
)

// TestRenderLoop renders EASEL_RENDER_LOOP_FILE into a 300x300 box as JPEG
// q80 EASEL_RENDER_LOOP_N times, for instruction counts under callgrind
// (issue 8; scripts/floor/floor.c is the library's floor):
//
//	go test -c -o /tmp/vips.test ./internal/engine/vips
//	EASEL_RENDER_LOOP_FILE=photo.jpg EASEL_RENDER_LOOP_N=6 \
//	  valgrind --tool=callgrind /tmp/vips.test -test.run TestRenderLoop
//
// The difference between N=6 and N=1, divided by 5, is one render.
func TestRenderLoop(t *testing.T) {
	file := os.Getenv("EASEL_RENDER_LOOP_FILE")
	if file == "" {
		t.Skip("EASEL_RENDER_LOOP_FILE not set: this is a measuring tool")
	}
	n, _ := strconv.Atoi(os.Getenv("EASEL_RENDER_LOOP_N"))
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEngine(t)
	src, err := e.Probe(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := transform.NewPlan(transform.Options{Width: 300, Height: 300, Format: transform.FormatJPEG, Quality: 80}, src, transform.PlanConfig{})
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for range n {
		out, err := e.Render(context.Background(), data, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		size = len(out.Data)
	}
	t.Logf("%d renders of %dx%d, %d bytes each", n, p.Width, p.Height, size)
}
