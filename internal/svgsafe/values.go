package svgsafe

import (
	"strings"
	"unicode"
)

// isFragment reports whether v, trimmed of XML whitespace, is a reference to
// an element of the same document: "#" and an ID of letters, digits and
// -_.: only. Everything else — javascript:, data:, vbscript:, http(s):,
// file:, protocol-relative and relative URLs — is not.
func isFragment(v string) bool {
	v = strings.Trim(v, " \t\r\n")
	if len(v) < 2 || v[0] != '#' {
		return false
	}
	for _, r := range v[1:] {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_.:", r) {
			return false
		}
	}
	return true
}

// squash lowercases v and removes every whitespace, control and format
// character, so that "Java\tScript :" and "j a v a s c r i p t:" compare as
// the scheme they are to a lenient URL parser.
func squash(v string) string {
	return strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, v)
}

// dangerousSchemes may not appear anywhere in a kept attribute value.
var dangerousSchemes = []string{"javascript:", "vbscript:", "livescript:", "data:", "file:", "http:", "https:", "ftp:"}

// valueSafe reports whether a plain (non-reference, non-style) attribute
// value may be kept: no URL scheme anywhere, and every url(...) a fragment.
func valueSafe(v string) bool {
	if strings.ContainsRune(v, '\\') {
		return false // a CSS escape in a presentation attribute could spell url(
	}
	s := squash(v)
	for _, scheme := range dangerousSchemes {
		if strings.Contains(s, scheme) {
			return false
		}
	}
	return !strings.Contains(s, "url(") || urlsAreFragments(s)
}

// forbiddenCSS are CSS constructs that fetch, bind or run something.
var forbiddenCSS = []string{
	"@import", "@font-face", "@namespace", "expression(", "behavior", "-moz-binding",
	"image-set(", "image(", "cross-fade(", "element(", "src(",
}

// cleanCSS returns css without comments when it is safe to keep: no CSS
// escapes (which could spell any keyword), none of forbiddenCSS, no URL
// scheme, and every url(...) a fragment. ok is false when it is not.
func cleanCSS(css string) (clean string, ok bool) {
	var b strings.Builder
	for {
		i := strings.Index(css, "/*")
		if i < 0 {
			b.WriteString(css)
			break
		}
		b.WriteString(css[:i])
		j := strings.Index(css[i+2:], "*/")
		if j < 0 {
			return "", false // an unterminated comment hides the rest
		}
		b.WriteByte(' ')
		css = css[i+2+j+2:]
	}
	clean = b.String()
	if strings.ContainsAny(clean, "\\<") {
		return "", false
	}
	s := squash(clean)
	for _, bad := range forbiddenCSS {
		if strings.Contains(s, bad) {
			return "", false
		}
	}
	for _, scheme := range dangerousSchemes {
		if strings.Contains(s, scheme) {
			return "", false
		}
	}
	if strings.Contains(s, "url(") && !urlsAreFragments(s) {
		return "", false
	}
	return clean, true
}

// urlsAreFragments reports whether every url(...) in s, a squashed value, has
// a fragment reference as its argument (quoted or not).
func urlsAreFragments(s string) bool {
	for {
		i := strings.Index(s, "url(")
		if i < 0 {
			return true
		}
		s = s[i+len("url("):]
		j := strings.IndexByte(s, ')')
		if j < 0 {
			return false
		}
		arg := strings.Trim(s[:j], `"'`)
		if !isFragment(arg) {
			return false
		}
		s = s[j+1:]
	}
}
