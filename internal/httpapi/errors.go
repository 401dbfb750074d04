package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/easelhq/easel"
)

// statusOf maps an error code to its HTTP status.
func statusOf(code easel.Code) int {
	switch code {
	case easel.CodeInvalidArgument:
		return http.StatusBadRequest
	case easel.CodeNotFound:
		return http.StatusNotFound
	case easel.CodeUnauthenticated:
		return http.StatusUnauthorized
	case easel.CodePermissionDenied:
		return http.StatusForbidden
	case easel.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case easel.CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case easel.CodeOverloaded, easel.CodeQuotaExceeded, easel.CodeRateLimited:
		return http.StatusTooManyRequests
	case easel.CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case easel.CodeUnavailable:
		return http.StatusServiceUnavailable
	case easel.CodeRequestTimeout:
		return http.StatusRequestTimeout
	case easel.CodeIdempotencyMismatch:
		return http.StatusUnprocessableEntity
	case easel.CodeKeyExpired, easel.CodeTokenExpired:
		return http.StatusUnauthorized
	case easel.CodeScopeMissing, easel.CodeTenantDisabled:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    easel.Code `json:"code"`
		Message string     `json:"message"`
	} `json:"error"`
}

// writeError writes {"error":{"code","message"}}. Internal causes are logged,
// never sent.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := easel.ErrorCode(err)
	status := statusOf(code)
	var body errorBody
	body.Error.Code, body.Error.Message = code, easel.ErrorMessage(err)
	if status >= 500 && status != http.StatusGatewayTimeout {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	h := w.Header()
	if wait, ok := easel.RetryAfterOf(err); ok {
		h.Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	}
	switch code {
	case easel.CodeOverloaded:
		h.Set("Retry-After", "1")
	case easel.CodeUnavailable:
		h.Set("Retry-After", "5")
	}
	if code == easel.CodeUnauthenticated || code == easel.CodeKeyExpired || code == easel.CodeTokenExpired {
		h.Set("WWW-Authenticate", `Bearer realm="easel"`)
	}
	if code == easel.CodeRequestTimeout {
		h.Set("Connection", "close") // the rest of the body is not read
	}
	h.Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
