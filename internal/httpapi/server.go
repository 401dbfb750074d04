package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/assets"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/flows"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/upload"
	"github.com/easelhq/easel/web/console"
)

// Config configures the handler.
type Config struct {
	CacheControl string
	// MaxUploadBytes bounds what a multipart body is read into memory for
	// (plus room for the other fields); the upload use case enforces the
	// limit itself.
	MaxUploadBytes int64
	// ReadTimeout is the server's http.read_timeout: an upload that moves
	// its connection's read deadline (the minimum rate) never extends it
	// past this.
	ReadTimeout time.Duration
}

// Checker is a dependency /readyz checks.
type Checker struct {
	Name string
	Ping func(ctx context.Context) error
	// Detail, when set, is shown instead of "ok" (which detector or
	// backend is in use).
	Detail string
	// Describe, when set, is called for the detail shown instead of "ok"
	// (a state that changes: the workflows' isolation and reload errors).
	Describe func() string
	// Optional checks are reported but do not make the process unready
	// (one origin of two: the other takes over).
	Optional bool
}

// Deps are the use cases the handler serves: each handler decodes the
// request, calls one of their methods, and encodes the result.
type Deps struct {
	Uploads  *upload.Uploads
	Assets   *assets.Assets
	Delivery *delivery.Delivery
	Keys     *keys.Keys
	Tasks    *tasks.Tasks   // nil: no task endpoints
	Batches  *tasks.Batches // nil: no batch endpoints
	// Resumable, when set, serves tus uploads under /v1/uploads
	// (internal/tus, authenticated with APIKeyAuth, errors written with
	// ErrorWriter).
	Resumable http.Handler
	Ready     []Checker
	Metrics   *Metrics
	Log       *slog.Logger
	Compat    *Compat      // nil: no remote sources nor compatible endpoints
	Flows     *flows.Flows // nil: no flow endpoints
	Regions   *Regions     // nil: one region
}

type server struct {
	cfg          Config
	cacheControl []string // cfg.CacheControl as a header value
	Deps
}

// New returns the HTTP handler of the whole API.
func New(cfg Config, deps Deps) http.Handler {
	s := &server{cfg: cfg, cacheControl: []string{cfg.CacheControl}, Deps: deps}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/assets", s.authed(s.uploadAsset))
	mux.HandleFunc("GET /v1/assets", s.authed(s.listAssets))
	mux.HandleFunc("GET /v1/assets/{id}", s.authed(s.getAsset))
	mux.HandleFunc("DELETE /v1/assets/{id}", s.authed(s.deleteAsset))
	mux.HandleFunc("GET /v1/assets/{id}/similar", s.authed(s.similarAssets))
	if s.Tasks != nil {
		mux.HandleFunc("POST /v1/assets/{id}/tasks", s.authed(s.createAssetTask))
		mux.HandleFunc("GET /v1/tasks/{id}", s.authed(s.getTask))
		mux.HandleFunc("POST /v1/tasks/{id}/retry", s.authed(s.retryTask))
		mux.HandleFunc("GET /v1/tasks/{id}/events", s.authed(s.taskEvents))
	}
	if s.Flows != nil {
		mux.HandleFunc("POST /v1/flows/{name}/run", s.authed(s.runFlow))
		mux.HandleFunc("GET /v1/flows", s.authed(s.listFlows))
		mux.HandleFunc("GET /v1/flows/{name}", s.authed(s.getFlow))
		mux.HandleFunc("POST /v1/rules/explain", s.authed(s.explainRules))
	}
	if s.Batches != nil {
		mux.HandleFunc("POST /v1/batches", s.authed(s.createBatch))
		mux.HandleFunc("GET /v1/batches/{id}", s.authed(s.getBatch))
	}
	if s.Resumable != nil {
		mux.Handle("/v1/uploads", s.Resumable)
		mux.Handle("/v1/uploads/", s.Resumable)
	}
	mux.HandleFunc("GET /i/", s.deliver)
	mux.HandleFunc("HEAD /i/", s.deliver)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", deps.Metrics.Handler())
	mux.Handle("GET "+console.Prefix, console.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.Log, easel.Errorf(easel.CodeNotFound, "no route for %s %s", r.Method, r.URL.Path))
	})
	deliver := s.deliver
	if s.Regions != nil {
		deliver = func(w http.ResponseWriter, r *http.Request) {
			if base, ok := s.Regions.deliveryElsewhere(r); ok {
				redirectRegion(w, r, base, redirectCacheControl)
				return
			}
			s.deliver(w, r)
		}
	}
	return s.Metrics.instrument(s.Log, recoverer(s.Log, s.compatRoutes(deliveryFirst(deliver, mux))))
}

// NewOps returns the handler of a process with no API (a worker): /healthz,
// /readyz and /metrics only.
func NewOps(deps Deps) http.Handler {
	s := &server{Deps: deps}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", deps.Metrics.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.Log, easel.Errorf(easel.CodeNotFound, "no route for %s %s", r.Method, r.URL.Path))
	})
	return s.Metrics.instrument(s.Log, recoverer(s.Log, mux))
}

// deliveryFirst sends GET and HEAD /i/ straight to deliver, with the
// pattern the mux would have matched, and everything else to the mux: the
// mux's matching of a subtree pattern allocates on every request, and
// delivery is the path that must not.
func deliveryFirst(deliver http.HandlerFunc, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/i/") {
			switch r.Method {
			case http.MethodGet:
				r.Pattern = "GET /i/"
				deliver(w, r)
				return
			case http.MethodHead:
				r.Pattern = "HEAD /i/"
				deliver(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

type tenantKey struct{}

// authed requires a valid API key (Authorization: Bearer <key>) and passes
// the tenant on in the context.
func (s *server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeUnauthenticated, "missing Authorization: Bearer <API key>"))
			return
		}
		tenantID, err := s.Keys.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		if base, ok := s.Regions.elsewhere(r, tenantID); ok {
			redirectRegion(w, r, base, noStore)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, tenantID)))
	}
}

// APIKeyAuth authenticates a request as the API routes do (Authorization:
// Bearer <API key>) and returns its tenant: the AuthFunc of internal/tus,
// with no byte cap of its own.
func APIKeyAuth(k *keys.Keys) func(r *http.Request) (tenant string, maxBytes int64, err error) {
	return func(r *http.Request) (string, int64, error) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return "", 0, easel.Errorf(easel.CodeUnauthenticated, "missing Authorization: Bearer <API key>")
		}
		tenantID, err := k.Authenticate(r.Context(), strings.TrimSpace(secret))
		return tenantID, 0, err
	}
}

// ErrorWriter returns what writes an error as the API's JSON error, with
// the status of its code: internal/tus's Config.WriteError.
func ErrorWriter(log *slog.Logger) func(w http.ResponseWriter, r *http.Request, err error) {
	return func(w http.ResponseWriter, r *http.Request, err error) { writeError(w, r, log, err) }
}

func tenantOf(r *http.Request) string { return r.Context().Value(tenantKey{}).(string) }

// recoverer turns a panic into a 500 that leaks nothing.
func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeError(w, r, log, easel.Errorf(easel.CodeInternal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	status := http.StatusOK
	checks := make(map[string]string, len(s.Ready))
	for _, c := range s.Ready {
		if err := c.Ping(r.Context()); err != nil {
			if !c.Optional {
				status = http.StatusServiceUnavailable
			}
			checks[c.Name] = readyError(err)
			s.Log.Warn("readiness check failed", "check", c.Name, "err", err)
			continue
		}
		checks[c.Name] = "ok"
		if c.Detail != "" {
			checks[c.Name] = c.Detail
		}
		if c.Describe != nil {
			checks[c.Name] = c.Describe()
		}
	}
	state := "ready"
	if status != http.StatusOK {
		state = "not ready"
	}
	writeJSON(w, status, map[string]any{"status": state, "checks": checks})
}

// readyError is what /readyz shows of a failed check: "unavailable: " and
// the error, which names the setting at fault (passwords are redacted by
// the stores), cut to 300 bytes.
func readyError(err error) string {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return "unavailable: " + msg
}
