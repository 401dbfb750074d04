package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/easelhq/easel"
)

// Error is an error answer of the server: its HTTP status and the stable
// code and message of its {"error":{"code","message"}} body.
type Error struct {
	Status  int
	Code    easel.Code
	Message string
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter string
}

var _ error = (*Error)(nil)

// Error returns "easel: <status> <code>: <message>".
func (e *Error) Error() string {
	return fmt.Sprintf("easel: %d %s: %s", e.Status, e.Code, e.Message)
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels match any
// *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) && t.Status == 0 {
		return t.Code == e.Code
	}
	return false
}

// Sentinels to match with errors.Is: they compare by code only.
var (
	ErrInvalidArgument  = &Error{Code: easel.CodeInvalidArgument, Message: "invalid argument"}
	ErrNotFound         = &Error{Code: easel.CodeNotFound, Message: "not found"}
	ErrUnauthenticated  = &Error{Code: easel.CodeUnauthenticated, Message: "unauthenticated"}
	ErrPermissionDenied = &Error{Code: easel.CodePermissionDenied, Message: "permission denied"}
	ErrTooLarge         = &Error{Code: easel.CodeTooLarge, Message: "too large"}
	ErrUnsupportedMedia = &Error{Code: easel.CodeUnsupportedMedia, Message: "unsupported media"}
	ErrOverloaded       = &Error{Code: easel.CodeOverloaded, Message: "overloaded"}
	ErrDeadlineExceeded = &Error{Code: easel.CodeDeadlineExceeded, Message: "deadline exceeded"}
	ErrInternal         = &Error{Code: easel.CodeInternal, Message: "internal"}
	ErrScopeMissing     = &Error{Code: easel.CodeScopeMissing, Message: "scope missing"}
	ErrKeyExpired       = &Error{Code: easel.CodeKeyExpired, Message: "API key expired"}
	ErrTokenExpired     = &Error{Code: easel.CodeTokenExpired, Message: "upload token expired"}
	ErrTenantDisabled   = &Error{Code: easel.CodeTenantDisabled, Message: "tenant disabled"}
)

// CodeOf returns the server's code of err, or "" when err is not an *Error
// (a network error, a cancelled context).
func CodeOf(err error) easel.Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether the server answered not_found.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsRetryable reports whether a later retry of the request may succeed: the
// server was overloaded (429) or unavailable (502, 503, 504).
func IsRetryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == http.StatusTooManyRequests || failoverStatus(e.Status)
}

// failoverStatus reports whether a status means "this origin cannot answer
// now": the next endpoint may.
func failoverStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// errorFrom reads an error answer. A body that is not easel's error JSON (a
// proxy's HTML page) still gives an *Error, with a code derived from the
// status.
func errorFrom(resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	var b struct {
		Error struct {
			Code    easel.Code `json:"code"`
			Message string     `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) == nil && b.Error.Code != "" {
		e.Code, e.Message = b.Error.Code, b.Error.Message
		return e
	}
	e.Code = codeOfStatus(resp.StatusCode)
	e.Message = http.StatusText(resp.StatusCode)
	return e
}

func codeOfStatus(status int) easel.Code {
	switch status {
	case http.StatusBadRequest:
		return easel.CodeInvalidArgument
	case http.StatusUnauthorized:
		return easel.CodeUnauthenticated
	case http.StatusForbidden:
		return easel.CodePermissionDenied
	case http.StatusNotFound:
		return easel.CodeNotFound
	case http.StatusRequestEntityTooLarge:
		return easel.CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return easel.CodeUnsupportedMedia
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return easel.CodeOverloaded
	case http.StatusGatewayTimeout:
		return easel.CodeDeadlineExceeded
	}
	return easel.CodeInternal
}
