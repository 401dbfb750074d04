package transform_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/easelhq/easel/transform"
)

func TestSign(t *testing.T) {
	t.Parallel()
	key := []byte("secret")
	path := "w_300,f_webp/" + testID + ".webp"
	sig := transform.Sign(key, path)
	if len(sig) != 22 {
		t.Fatalf("Sign = %q, %d characters, want 22", sig, len(sig))
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(path))
	if want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16]); sig != want {
		t.Fatalf("Sign = %q, want %q", sig, want)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	key, old, other := []byte("current key"), []byte("old key"), []byte("someone else")
	path := "w_300,txt_a%2Cb/" + testID + ".jpg"
	full := func(k []byte, p string) string {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(p))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	sig := transform.Sign(key, path)
	tests := []struct {
		name string
		keys [][]byte
		sig  string
		path string
		want bool
	}{
		{"correct key", [][]byte{key}, sig, path, true},
		{"wrong key", [][]byte{other}, sig, path, false},
		{"no keys", nil, sig, path, false},
		{"empty key never matches", [][]byte{{}}, transform.Sign(nil, path), path, false},
		{"rotation new key first", [][]byte{key, old}, sig, path, true},
		{"rotation old signature", [][]byte{key, old}, transform.Sign(old, path), path, true},
		{"rotation none matches", [][]byte{old, other}, sig, path, false},
		{"tampered path", [][]byte{key}, sig, "w_301,txt_a%2Cb/" + testID + ".jpg", false},
		{"decoded path", [][]byte{key}, sig, "w_300,txt_a,b/" + testID + ".jpg", false},
		{"tampered signature", [][]byte{key}, flip(sig), path, false},
		{"truncated signature", [][]byte{key}, sig[:20], path, false},
		{"15 bytes", [][]byte{key}, full(key, path)[:20], path, false},
		{"32 bytes", [][]byte{key}, full(key, path), path, true},
		{"24 bytes", [][]byte{key}, full(key, path)[:32], path, true},
		{"too long", [][]byte{key}, full(key, path) + "AAAA", path, false},
		{"padded", [][]byte{key}, sig + "==", path, false},
		{"standard alphabet", [][]byte{key}, "++++++++++++++++++++//", path, false},
		{"changed last character", [][]byte{key}, sig[:21] + string(sig[21]^1), path, false},
		{"not base64", [][]byte{key}, "!!!!!!!!!!!!!!!!!!!!!!", path, false},
		{"empty", [][]byte{key}, "", path, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := transform.Verify(tt.keys, tt.sig, tt.path); got != tt.want {
				t.Fatalf("Verify(%q, %q) = %v, want %v", tt.sig, tt.path, got, tt.want)
			}
		})
	}
}

// flip changes the first character of a signature.
func flip(sig string) string {
	if sig[0] == 'A' {
		return "B" + sig[1:]
	}
	return "A" + sig[1:]
}
