package delivery_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/transform"
)

func TestRenderedSourceNamesTheLevel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		level int
		want  string
	}{
		{"from the original", 0, "original"},
		{"from a level", 1024, "level-1024"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t)
			b.render = func(_ context.Context, _ easel.Asset, _ []byte, o transform.Options, _ string) (transform.Output, error) {
				return transform.Output{Data: []byte("\x89PNG\r\n\x1a\nW" + o.String()), Format: transform.FormatPNG, Level: tt.level}, nil
			}
			d := b.delivery(t, delivery.Config{AllowUnsigned: true, CacheBytes: 1 << 20})
			out, err := b.get(t, d, "_/w_2,f_png/"+b.asset.ID)
			require.NoError(t, err)
			require.Equal(t, "render", out.Layer)
			require.Equal(t, tt.want, out.Source)
			out, err = b.get(t, d, "_/w_2,f_png/"+b.asset.ID)
			require.NoError(t, err)
			require.Equal(t, "memory", out.Layer)
			require.Equal(t, tt.want, out.Source, "a cached render keeps what it read")
		})
	}
}
