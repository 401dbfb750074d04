package transform

import (
	"strconv"
	"strings"
)

// Negotiate picks the output format for f_auto from an Accept header: AVIF
// when it lists image/avif, else WebP when it lists image/webp, else JPEG.
// A media range counts only when named explicitly (image/* and */* do not)
// and with a q-value above 0; a malformed q-value counts as 0.
func Negotiate(accept string) Format {
	avif, webp := false, false
	for _, r := range strings.Split(accept, ",") {
		typ, params, _ := strings.Cut(r, ";")
		typ = strings.ToLower(strings.TrimSpace(typ))
		if typ != "image/avif" && typ != "image/webp" {
			continue
		}
		if qValue(params) <= 0 {
			continue
		}
		if typ == "image/avif" {
			avif = true
		} else {
			webp = true
		}
	}
	switch {
	case avif:
		return FormatAVIF
	case webp:
		return FormatWebP
	}
	return FormatJPEG
}

// qValue returns the q parameter among the parameters of a media range
// ("q=0.5;level=1"), 1 when there is none, and 0 when it is malformed.
func qValue(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q != q || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
