package imgproxy

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Config configures the imgproxy grammar.
type Config struct {
	// Keys and Salts are hex-encoded pairs (IMGPROXY_KEYS, IMGPROXY_SALTS):
	// a signature made with any pair is accepted.
	Keys  []string
	Salts []string
	// SignatureSize is how many bytes of the digest a signature holds,
	// 1..32 (IMGPROXY_SIGNATURE_SIZE); 0 means 32.
	SignatureSize int
	// AllowUnsafe accepts "insecure" and "unsafe" in place of a signature.
	AllowUnsafe bool
}

// Validate checks the key and salt pairs and the signature size.
func (c Config) Validate() error {
	if len(c.Keys) != len(c.Salts) {
		return fmt.Errorf("imgproxy: %d keys but %d salts", len(c.Keys), len(c.Salts))
	}
	if c.SignatureSize < 0 || c.SignatureSize > sha256.Size {
		return fmt.Errorf("imgproxy: signature_size must be 1..32, not %d", c.SignatureSize)
	}
	if _, err := c.pairs(); err != nil {
		return err
	}
	return nil
}

type pair struct{ key, salt []byte }

func (c Config) pairs() ([]pair, error) {
	out := make([]pair, len(c.Keys))
	for i := range c.Keys {
		k, err := hex.DecodeString(c.Keys[i])
		if err != nil || len(k) == 0 {
			return nil, fmt.Errorf("imgproxy: keys[%d] is not hex", i)
		}
		s, err := hex.DecodeString(c.Salts[i])
		if err != nil {
			return nil, fmt.Errorf("imgproxy: salts[%d] is not hex", i)
		}
		out[i] = pair{k, s}
	}
	return out, nil
}

func (c Config) size() int {
	if c.SignatureSize == 0 {
		return sha256.Size
	}
	return c.SignatureSize
}

// Sign returns the signature of path (starting with "/") under the hex key
// and salt, truncated to size bytes (0: 32).
func Sign(hexKey, hexSalt, path string, size int) (string, error) {
	c := Config{Keys: []string{hexKey}, Salts: []string{hexSalt}, SignatureSize: size}
	if err := c.Validate(); err != nil {
		return "", err
	}
	p, _ := c.pairs()
	return sign(p[0], path, c.size()), nil
}

func sign(p pair, path string, size int) string {
	m := hmac.New(sha256.New, p.key)
	m.Write(p.salt)
	m.Write([]byte(path))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:size])
}

// verify reports whether sig signs path under one of the configured pairs.
func (c Config) verify(sig, path string) bool {
	pairs, err := c.pairs()
	if err != nil {
		return false
	}
	sig = strings.TrimRight(sig, "=")
	ok := 0
	for _, p := range pairs {
		ok |= subtle.ConstantTimeCompare([]byte(sign(p, path, c.size())), []byte(sig))
	}
	return ok == 1
}
