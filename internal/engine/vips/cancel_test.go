package vips

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// TestRenderDeadlineStopsLibvips renders what took 143 s in issue 7 (A3)
// with a 1 s deadline: libvips must stop inside its operations.
func TestRenderDeadlineStopsLibvips(t *testing.T) {
	newTestEngine(t)
	cfg := NewDefaultConfig()
	cfg.MaxCost = -1 // the budget would refuse these renders before they start
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !layoutOK {
		t.Fatal("govips ImageRef layout not recognised: renders cannot be stopped")
	}
	data := readImage(t, "photos/mate_Wood.jpg")
	src, err := e.Probe(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("refused by the budget", func(t *testing.T) {
		o, err := transform.Parse("w_8192,h_5120,c_scale,up_1,e_blur:100,f_avif")
		if err != nil {
			t.Fatal(err)
		}
		p, err := transform.NewPlan(o, src, transform.PlanConfig{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = newTestEngine(t).Render(context.Background(), data, p, nil)
		if easel.ErrorCode(err) != easel.CodeTooLarge || !strings.Contains(err.Error(), "budget") {
			t.Fatalf("error %v, want too_large naming the budget", err)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Fatalf("refusing took %v", took)
		}
	})
	tests := []struct {
		name string
		ops  string
	}{
		{"blur avif", "w_8192,h_5120,c_scale,up_1,e_blur:100,f_avif"},
		{"blur jpeg", "w_8192,h_5120,c_scale,up_1,e_blur:100,f_jpeg"},
		{"sharpen png", "w_8192,h_5120,c_scale,up_1,e_sharpen:10,f_png"},
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
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			_, err = e.Render(ctx, data, p, nil)
			took := time.Since(start)
			t.Logf("returned after %v: %v", took, err)
			if !errors.Is(err, context.DeadlineExceeded) || easel.ErrorCode(err) != easel.CodeDeadlineExceeded {
				t.Fatalf("error %v, want a deadline_exceeded wrapping context.DeadlineExceeded", err)
			}
			// Unstopped, these renders run for minutes; stopped, they end
			// within a tile's work after the deadline. The margin allows for
			// a machine busy with other tests.
			if took > 5*time.Second {
				t.Fatalf("Render returned %v after its 1 s deadline", took-time.Second)
			}
		})
	}
}
