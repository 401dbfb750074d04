package svgsafe

import (
	"mime"
	"strings"
)

// ContentSecurityPolicy is the policy for serving an active original: no
// script, no fetch, no plugin, and a sandbox with a unique origin.
const ContentSecurityPolicy = "default-src 'none'; sandbox"

// activeTypes are media types a browser may execute or render as a document
// with scripts when they are opened directly.
var activeTypes = map[string]bool{
	"image/svg+xml":          true,
	"text/html":              true,
	"application/xhtml+xml":  true,
	"application/xml":        true,
	"text/xml":               true,
	"application/pdf":        true,
	"text/javascript":        true,
	"application/javascript": true,
}

// IsActive reports whether contentType (parameters allowed) is a type whose
// original must be served with [SafeHeaders].
func IsActive(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	return activeTypes[mt]
}

// SafeHeaders returns the response headers, by canonical name, with which an
// original of an active type is served: a Content-Security-Policy that forbids
// everything and sandboxes the document, Content-Disposition: attachment
// (with filename when it is not empty; quotes and control characters are
// replaced), and X-Content-Type-Options: nosniff. The HTTP layer sets them;
// this package stays free of net/http.
func SafeHeaders(filename string) map[string]string {
	disposition := "attachment"
	if filename != "" {
		clean := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
				return '_'
			}
			return r
		}, filename)
		if v := mime.FormatMediaType("attachment", map[string]string{"filename": clean}); v != "" {
			disposition = v
		}
	}
	return map[string]string{
		"Content-Security-Policy": ContentSecurityPolicy,
		"Content-Disposition":     disposition,
		"X-Content-Type-Options":  "nosniff",
	}
}
