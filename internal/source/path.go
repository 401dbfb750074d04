package source

import (
	"net/url"
	"strings"

	"github.com/easelhq/easel"
)

// maxPathBytes bounds a source path.
const maxPathBytes = 2048

// cleanPath checks a source path as it appears in a URL (percent-encoded,
// relative to the origin's URL) and returns it decoded, starting with "/".
// It refuses what could leave the origin's URL or fool a server: "." and
// ".." segments, empty segments, backslashes, encoded slashes, anything
// still percent-encoded after one decoding, a scheme or "//" host, control
// characters, queries and fragments.
func cleanPath(raw string) (string, error) {
	bad := func(why string) error {
		return easel.Errorf(easel.CodeInvalidArgument, "source path %s: %s", quote(raw), why)
	}
	switch {
	case raw == "" || raw == "/":
		return "", bad("empty")
	case len(raw) > maxPathBytes:
		return "", bad("too long")
	case strings.ContainsAny(raw, "\\?#"):
		return "", bad("backslash, query or fragment")
	case strings.HasPrefix(raw, "//"):
		return "", bad("a host of its own")
	}
	lower := strings.ToLower(raw)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
		return "", bad("encoded slash")
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return "", bad("bad percent-encoding")
	}
	if strings.ContainsAny(p, "\\?#") {
		return "", bad("backslash, query or fragment")
	}
	if i := strings.IndexByte(p, '%'); i >= 0 && i+2 < len(p) && ishex(p[i+1]) && ishex(p[i+2]) {
		return "", bad("encoded twice")
	}
	if i := strings.Index(p, ":"); i >= 0 && !strings.Contains(p[:i], "/") {
		return "", bad("a scheme of its own")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "", bad("control character")
		}
	}
	p = "/" + strings.TrimPrefix(p, "/")
	for _, seg := range strings.Split(p[1:], "/") {
		switch seg {
		case "":
			return "", bad("empty segment")
		case ".", "..":
			return "", bad("dot segment")
		}
	}
	return p, nil
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// quote shortens and quotes s for a message.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.Trim(url.PathEscape(s), "")
}

// underPrefix reports whether p (decoded, starting with "/") lies under one
// of prefixes; no prefixes means anything.
func underPrefix(p string, prefixes []string) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, pre := range prefixes {
		if strings.HasPrefix(p, pre) && (strings.HasSuffix(pre, "/") || len(p) == len(pre) || p[len(pre)] == '/') {
			return true
		}
	}
	return false
}
