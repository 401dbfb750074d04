package thumbor

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
)

// Sign returns thumbor's signature of path (everything after the signature
// segment, without the leading "/"): URL-safe base64, with padding, of
// HMAC-SHA1 under key.
func Sign(key, path string) string {
	m := hmac.New(sha1.New, []byte(key))
	m.Write([]byte(path))
	return base64.URLEncoding.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is the signature of path under key. The path
// is tried as it appears in the URL, then percent-decoded (thumbor signs
// the decoded path its router sees; libraries sign what they emit).
func Verify(key, sig, path string) bool {
	if key == "" {
		return false
	}
	if s, err := url.PathUnescape(sig); err == nil {
		sig = s
	}
	if subtle.ConstantTimeCompare([]byte(Sign(key, path)), []byte(sig)) == 1 {
		return true
	}
	decoded, err := url.PathUnescape(path)
	return err == nil && decoded != path &&
		subtle.ConstantTimeCompare([]byte(Sign(key, decoded)), []byte(sig)) == 1
}
