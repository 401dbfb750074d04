package vips

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/easelhq/easel/transform"
)

// twoPagePDF builds a valid PDF of two 200x100 pt pages, filled red and blue.
func twoPagePDF() []byte {
	pages := []string{"1 0 0 rg 0 0 200 100 re f", "0 0 1 rg 0 0 200 100 re f"}
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>")
	for i, content := range pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents %d 0 R >>", 4+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

func TestRenderPDF(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	data := twoPagePDF()
	src, err := e.Probe(data)
	if err != nil {
		t.Fatal(err)
	}
	if src.Format != transform.FormatPDF || src.Pages != 2 {
		t.Fatalf("Probe: format %q, %d pages; want pdf, 2", src.Format, src.Pages)
	}
	tests := []struct {
		name    string
		ops     string
		r, g, b bool // which channels are high in the middle pixel
	}{
		{"first page by default", "w_100,f_png", true, false, false},
		{"second page with pg_1", "w_100,pg_1,f_png", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := transform.Parse(tt.ops)
			if err != nil {
				t.Fatal(err)
			}
			p, err := transform.NewPlan(o, src, transform.PlanConfig{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.Render(context.Background(), data, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if out.Width != 100 || out.Height != 50 {
				t.Fatalf("size %dx%d, want 100x50", out.Width, out.Height)
			}
			r, g, b, _ := rgba8(decode(t, out.Data), 50, 25)
			if (r > 200) != tt.r || (g > 200) != tt.g || (b > 200) != tt.b {
				t.Errorf("middle pixel %d,%d,%d", r, g, b)
			}
		})
	}
}
