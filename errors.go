package easel

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients may switch on it;
// httpapi alone maps it to an HTTP status.
type Code string

// The error codes. They are part of the public API: never rename one.
const (
	CodeInvalidArgument  Code = "invalid_argument"
	CodeNotFound         Code = "not_found"
	CodeUnauthenticated  Code = "unauthenticated"
	CodePermissionDenied Code = "permission_denied"
	CodeTooLarge         Code = "too_large"
	CodeUnsupportedMedia Code = "unsupported_media"
	CodeOverloaded       Code = "overloaded"
	CodeDeadlineExceeded Code = "deadline_exceeded"
	// CodeUnavailable: a backend the request needs (every blob origin, the
	// metadata store) does not answer; nothing was kept, the client may retry.
	CodeUnavailable Code = "unavailable"
	CodeInternal    Code = "internal"
	// CodeRequestTimeout: the client sent its request body too slowly.
	CodeRequestTimeout Code = "request_timeout"
	// CodeIdempotencyMismatch: an Idempotency-Key was reused for a
	// different request.
	CodeIdempotencyMismatch Code = "idempotency_key_reused"
	// CodeScopeMissing: the API key (or upload token) is valid but lacks
	// the scope the endpoint needs.
	CodeScopeMissing Code = "scope_missing"
	// CodeKeyExpired: the API key is past its expiry.
	CodeKeyExpired Code = "key_expired"
	// CodeTokenExpired: the upload token is past its expiry.
	CodeTokenExpired Code = "token_expired"
	// CodeTenantDisabled: the tenant that owns the key, token or signed URL
	// is disabled.
	CodeTenantDisabled Code = "tenant_disabled"
)

// Error is the one error type of easel. Message is safe to show to a client;
// Err, the cause, is for logs only and never leaves the process.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Error returns the message, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		if e.Message == "" {
			return fmt.Sprintf("%s: %v", e.Code, e.Err)
		}
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a client-safe formatted message.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the code and message that keeps err as its
// cause (for logs). The message, not err, is what a client sees.
func WrapError(code Code, err error, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain,
// CodeInternal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-safe message of err: the message of the first
// *Error in its chain, or a generic text that leaks nothing for other errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err carries CodeNotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }
