package fs

import (
	"strings"

	"github.com/easelhq/easel"
)

// tmpDirName is the top-level directory, under Dir, that holds files being
// written. It is reserved: no key may start with it.
const tmpDirName = ".tmp"

// ValidateKey returns an error with easel.CodeInvalidArgument unless key is a
// slash-separated path of non-empty segments made of [a-z0-9._-], none of
// them "." or "..", and not inside the reserved ".tmp" directory.
func ValidateKey(key string) error {
	if key == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "blob key is empty")
	}
	if len(key) > 1024 {
		return easel.Errorf(easel.CodeInvalidArgument, "blob key is longer than 1024 bytes")
	}
	for i, seg := range strings.Split(key, "/") {
		if err := validateSegment(seg); err != nil {
			return easel.Errorf(easel.CodeInvalidArgument, "blob key %q: %s", key, err.Error())
		}
		if i == 0 && seg == tmpDirName {
			return easel.Errorf(easel.CodeInvalidArgument, "blob key %q: %q is reserved", key, tmpDirName)
		}
	}
	return nil
}

type segmentError string

func (e segmentError) Error() string { return string(e) }

func validateSegment(seg string) error {
	switch seg {
	case "":
		return segmentError("empty segment")
	case ".", "..":
		return segmentError("relative segment " + seg)
	}
	if len(seg) > 255 {
		return segmentError("segment longer than 255 bytes")
	}
	for i := 0; i < len(seg); i++ {
		if !validKeyByte(seg[i]) {
			return segmentError("character not in [a-z0-9._-]")
		}
	}
	return nil
}

func validKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// validPrefix reports whether prefix could start a valid key: it holds only
// key characters and slashes. An invalid prefix matches no key.
func validPrefix(prefix string) bool {
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c != '/' && !validKeyByte(c) {
			return false
		}
	}
	return true
}
