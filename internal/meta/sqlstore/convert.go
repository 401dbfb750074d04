package sqlstore

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"math"
	"time"
	"unicode/utf8"

	"github.com/easelhq/easel"
)

var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// toNanos converts t to the stored form, Unix nanoseconds. what names the
// field in the error.
func toNanos(t time.Time, what string) (int64, error) {
	if t.IsZero() {
		return 0, easel.Errorf(easel.CodeInvalidArgument, "%s is not set", what)
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, easel.Errorf(easel.CodeInvalidArgument, "%s %s is out of range", what, t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// fromNanos converts a stored time back, in UTC.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// nullableTime converts a stored, possibly NULL time.
func nullableTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

func encodeBytes(b []byte) string { return hex.EncodeToString(b) }

func decodeBytes(s string) ([]byte, error) { return hex.DecodeString(s) }

// encodeCursor makes the opaque page cursor that resumes after id.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// decodeCursor returns the ID a cursor resumes after.
func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 128 || !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "", easel.Errorf(easel.CodeInvalidArgument, "invalid page cursor")
	}
	return string(b), nil
}
