package transform_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/transform"
)

func TestParseSourcePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		rest                   string
		sig, ops, src, rawPath string
		wantErr                bool
	}{
		{name: "simple", rest: "S/w_100/src:shop/products/a.jpg", sig: "S", ops: "w_100", src: "shop", rawPath: "products/a.jpg"},
		{name: "encoded path kept", rest: "S/w_1/src:shop/a%20b.jpg", sig: "S", ops: "w_1", src: "shop", rawPath: "a%20b.jpg"},
		{name: "no path", rest: "S/w_1/src:shop", wantErr: true},
		{name: "empty path", rest: "S/w_1/src:shop/", wantErr: true},
		{name: "no name", rest: "S/w_1/src:/a.jpg", wantErr: true},
		{name: "not a source", rest: "S/w_1/asset/a.jpg", wantErr: true},
		{name: "no signature", rest: "/w_1/src:shop/a.jpg", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, ops, src, rawPath, err := transform.ParseSourcePath(tt.rest)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.True(t, transform.IsSourcePath(tt.rest))
			require.Equal(t, [4]string{tt.sig, tt.ops, tt.src, tt.rawPath}, [4]string{sig, ops, src, rawPath})
		})
	}
	require.False(t, transform.IsSourcePath("S/w_1/abc.jpg"))
}

func TestSignedSourcePath(t *testing.T) {
	t.Parallel()
	key := []byte("k")
	p := transform.SignedSourcePath(key, "w_10", "shop", "/a.jpg")
	sig, _, _, _, err := transform.ParseSourcePath(p[len(transform.DeliveryPrefix):])
	require.NoError(t, err)
	require.True(t, transform.Verify([][]byte{key}, sig, "w_10/src:shop/a.jpg"))
}
