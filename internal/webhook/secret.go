package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/easelhq/easel"
)

// SecretPrefix starts the display form of a signing secret.
const SecretPrefix = "whsec_"

// Secret sizes. NewSecret makes secrets of SecretSize bytes; ParseSecret
// accepts MinSecretSize to MaxSecretSize, the bounds of the Standard Webhooks
// specification.
const (
	SecretSize    = 24
	MinSecretSize = 24
	MaxSecretSize = 64
)

// NewSecret returns a new random signing secret of SecretSize bytes.
func NewSecret() ([]byte, error) {
	b := make([]byte, SecretSize)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("webhook: new secret: %w", err)
	}
	return b, nil
}

// FormatSecret returns the form of a secret shown to users: "whsec_" and the
// standard base64 of its bytes.
func FormatSecret(secret []byte) string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(secret)
}

// ParseSecret is the inverse of FormatSecret. Like Svix, it also accepts the
// base64 without the "whsec_" prefix. The secret must have MinSecretSize to
// MaxSecretSize bytes. Errors carry easel.CodeInvalidArgument and never
// repeat the input.
func ParseSecret(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
	if err != nil {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "webhook secret: not %s followed by standard base64", SecretPrefix)
	}
	if len(b) < MinSecretSize || len(b) > MaxSecretSize {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "webhook secret: %d bytes, want %d to %d", len(b), MinSecretSize, MaxSecretSize)
	}
	return b, nil
}
