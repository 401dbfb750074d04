package blob

import (
	"strings"

	"github.com/easelhq/easel"
)

// MaxKeyLen is the longest key a backend accepts.
const MaxKeyLen = 1024

// ValidateKey returns an error with easel.CodeInvalidArgument unless key is a
// slash-separated path of non-empty segments made of [a-z0-9._-], none of
// them "." or "..", each at most 255 bytes, MaxKeyLen bytes in all.
func ValidateKey(key string) error {
	if key == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "blob key is empty")
	}
	if len(key) > MaxKeyLen {
		return easel.Errorf(easel.CodeInvalidArgument, "blob key is longer than %d bytes", MaxKeyLen)
	}
	for _, seg := range strings.Split(key, "/") {
		if msg := segmentProblem(seg); msg != "" {
			return easel.Errorf(easel.CodeInvalidArgument, "blob key %q: %s", key, msg)
		}
	}
	return nil
}

func segmentProblem(seg string) string {
	switch seg {
	case "":
		return "empty segment"
	case ".", "..":
		return "relative segment " + seg
	}
	if len(seg) > 255 {
		return "segment longer than 255 bytes"
	}
	for i := 0; i < len(seg); i++ {
		if !validKeyByte(seg[i]) {
			return "character not in [a-z0-9._-]"
		}
	}
	return ""
}

func validKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// ValidPrefix reports whether prefix could start a valid key: it holds only
// key characters and slashes. A listing with an invalid prefix matches nothing.
func ValidPrefix(prefix string) bool {
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c != '/' && !validKeyByte(c) {
			return false
		}
	}
	return true
}
