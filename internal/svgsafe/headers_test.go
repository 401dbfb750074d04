package svgsafe

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIsActive(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		contentType string
		want        bool
	}{
		{name: "svg", contentType: "image/svg+xml", want: true},
		{name: "svg with charset, upper case", contentType: "Image/SVG+XML; charset=utf-8", want: true},
		{name: "html", contentType: "text/html", want: true},
		{name: "xml", contentType: "application/xml", want: true},
		{name: "pdf", contentType: "application/pdf", want: true},
		{name: "jpeg", contentType: "image/jpeg", want: false},
		{name: "webp", contentType: "image/webp", want: false},
		{name: "garbage", contentType: ";;", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, IsActive(tc.contentType))
		})
	}
}

func TestSafeHeaders(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		filename    string
		disposition string
	}{
		{name: "no filename", filename: "", disposition: "attachment"},
		{name: "plain filename", filename: "logo.svg", disposition: "attachment; filename=logo.svg"},
		{name: "quotes and line breaks replaced", filename: "a\"b\r\nContent-Type: text/html.svg", disposition: `attachment; filename="a_b__Content-Type: text/html.svg"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := SafeHeaders(tc.filename)
			require.Equal(t, "default-src 'none'; sandbox", h["Content-Security-Policy"])
			require.Equal(t, "nosniff", h["X-Content-Type-Options"])
			require.Equal(t, tc.disposition, h["Content-Disposition"])
		})
	}
}
