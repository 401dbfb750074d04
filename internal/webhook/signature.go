package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// The Standard Webhooks request headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock, in either direction, when Verify is given no tolerance.
// It is the one Svix uses.
const DefaultTolerance = 5 * time.Minute

// signatureVersion prefixes every signature: "v1,<base64>" is a symmetric
// HMAC-SHA256 signature.
const signatureVersion = "v1"

// Verify errors. They carry easel.CodeUnauthenticated; Verify wraps them with
// detail, so compare with errors.Is.
var (
	// ErrMissingHeader means a webhook-id, webhook-timestamp or
	// webhook-signature header is missing or empty.
	ErrMissingHeader = easel.Errorf(easel.CodeUnauthenticated, "webhook: missing header")
	// ErrInvalidTimestamp means webhook-timestamp is not unix seconds or is
	// outside the tolerance: too old (a replay) or too far in the future.
	ErrInvalidTimestamp = easel.Errorf(easel.CodeUnauthenticated, "webhook: invalid timestamp")
	// ErrNoMatchingSignature means no v1 signature in webhook-signature
	// matches the request (or the secret is empty).
	ErrNoMatchingSignature = easel.Errorf(easel.CodeUnauthenticated, "webhook: no matching signature")
)

// Sign returns the webhook-signature header value of a request: "v1," and
// the standard base64 of HMAC-SHA256(secret, "<id>.<unix seconds>.<body>").
func Sign(secret []byte, id string, ts time.Time, body []byte) string {
	return signatureVersion + "," + base64.StdEncoding.EncodeToString(mac(secret, id, ts.Unix(), body))
}

// Verify checks a received request's Standard Webhooks headers against its
// raw body: the headers are present, the timestamp is within tolerance of now
// (DefaultTolerance when tolerance <= 0), and one of the space-separated
// signatures is the v1 signature of the request under secret. Signatures of
// other versions are ignored. The comparison is constant-time.
func Verify(secret []byte, header http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	id, tsText, sigs := header.Get(HeaderID), header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	for _, h := range [...]struct{ name, value string }{{HeaderID, id}, {HeaderTimestamp, tsText}, {HeaderSignature, sigs}} {
		if h.value == "" {
			return fmt.Errorf("%w %s", ErrMissingHeader, h.name)
		}
	}
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", ErrInvalidTimestamp, tsText)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts := time.Unix(sec, 0)
	switch {
	case now.Sub(ts) > tolerance:
		return fmt.Errorf("%w: too old", ErrInvalidTimestamp)
	case ts.Sub(now) > tolerance:
		return fmt.Errorf("%w: in the future", ErrInvalidTimestamp)
	}
	if len(secret) == 0 {
		return fmt.Errorf("%w: empty secret", ErrNoMatchingSignature)
	}
	want := mac(secret, id, sec, body)
	for _, s := range strings.Fields(sigs) {
		version, encoded, ok := strings.Cut(s, ",")
		if !ok || version != signatureVersion {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSignature
}

// mac is HMAC-SHA256(secret, "<id>.<unix>.<body>").
func mac(secret []byte, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, unix, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
