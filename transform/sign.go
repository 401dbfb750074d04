package transform

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Signature lengths, in bytes before base64url encoding.
const (
	// SignatureBytes is the length of the signatures Sign makes: 16 bytes,
	// 22 characters.
	SignatureBytes = 16
	// MaxSignatureBytes is the longest signature Verify accepts: the whole
	// HMAC-SHA256, 43 characters.
	MaxSignatureBytes = sha256.Size
)

var sigEncoding = base64.RawURLEncoding.Strict()

// Sign returns the signature of a delivery path: the first SignatureBytes
// bytes of HMAC-SHA256(key, path), base64url-encoded without padding. path is
// "{operations}/{asset}[.{ext}]" exactly as it appears in the URL, still
// percent-encoded, with no leading slash.
func Sign(key []byte, path string) string {
	return sigEncoding.EncodeToString(mac(key, path)[:SignatureBytes])
}

// Verify reports whether sig is a valid signature of path under any of keys,
// so that keys can be rotated. sig must decode to SignatureBytes through
// MaxSignatureBytes bytes; it is compared, in constant time, with a prefix of
// the same length of the HMAC. Empty keys never match.
func Verify(keys [][]byte, sig, path string) bool {
	if len(sig) > sigEncoding.EncodedLen(MaxSignatureBytes) {
		return false
	}
	got, err := sigEncoding.DecodeString(sig)
	if err != nil || len(got) < SignatureBytes || len(got) > MaxSignatureBytes {
		return false
	}
	ok := false
	for _, key := range keys {
		if len(key) == 0 {
			continue
		}
		if hmac.Equal(mac(key, path)[:len(got)], got) {
			ok = true
		}
	}
	return ok
}

func mac(key []byte, path string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(path))
	return h.Sum(nil)
}
