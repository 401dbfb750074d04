// Package compat holds what the compatible URL grammars share:
// internal/compat/thumbor and internal/compat/imgproxy translate thumbor's
// and imgproxy's URLs into easel's transform.Options (one planner).
package compat

import "strconv"

// Matcher finds the source a full image URL falls inside;
// *source.Fetcher implements it.
type Matcher interface {
	Match(tenant, rawURL string) (name, rawPath string, err error)
}

// Item returns s as an error message shows it: cut to 64 bytes, and quoted
// when it holds characters that need escaping.
func Item(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	if q := strconv.Quote(s); q[1:len(q)-1] != s {
		return q
	}
	return s
}
