package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/assets"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/flows"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/quota"

	"github.com/easelhq/easel/internal/reports"
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
	// UploadTokens, when set, issues upload tokens (POST /v1/upload-tokens).
	UploadTokens *keys.UploadTokens
	Tasks        *tasks.Tasks   // nil: no task endpoints
	Batches      *tasks.Batches // nil: no batch endpoints
	// Resumable, when set, serves tus uploads under /v1/uploads
	// (internal/tus, authenticated with APIKeyAuth, errors written with
	// ErrorWriter).
	Resumable http.Handler
	Ready     []Checker
	Metrics   *Metrics
	Log       *slog.Logger
	Compat    *Compat          // nil: no remote sources nor compatible endpoints
	Flows     *flows.Flows     // nil: no flow endpoints
	Quotas    *quota.Quotas    // nil: no GET /v1/usage
	Reports   *reports.Reports // nil: no report endpoints
	Regions   *Regions         // nil: one region
	// TracerProvider, when not nil, makes each request a traced root span
	// (tracing.go); nil leaves the handler as it is.
	TracerProvider trace.TracerProvider
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
	// Each route names the scope its key needs; only uploads take an
	// upload token (allowToken).
	mux.HandleFunc("POST /v1/assets", s.authed(easel.ScopeUpload, allowToken, s.uploadAsset))
	mux.HandleFunc("GET /v1/assets", s.authed(easel.ScopeRead, keyOnly, s.listAssets))
	mux.HandleFunc("GET /v1/assets/{id}", s.authed(easel.ScopeRead, keyOnly, s.getAsset))
	mux.HandleFunc("DELETE /v1/assets/{id}", s.authed(easel.ScopeAdmin, keyOnly, s.deleteAsset))
	mux.HandleFunc("GET /v1/assets/{id}/similar", s.authed(easel.ScopeRead, keyOnly, s.similarAssets))
	mux.HandleFunc("POST /v1/sign", s.authed(easel.ScopeDeliver, keyOnly, s.sign))
	if s.UploadTokens != nil {
		mux.HandleFunc("POST /v1/upload-tokens", s.authed(easel.ScopeUpload, keyOnly, s.issueUploadToken))
	}
	if s.Tasks != nil {
		mux.HandleFunc("POST /v1/assets/{id}/tasks", s.authed(easel.ScopeUpload, keyOnly, s.createAssetTask))
		mux.HandleFunc("POST /v1/tasks", s.authed(easel.ScopeUpload, keyOnly, s.createTask))
		mux.HandleFunc("GET /v1/tasks", s.authed(easel.ScopeRead, keyOnly, s.listTasks))
		mux.HandleFunc("GET /v1/tasks/{id}", s.authed(easel.ScopeRead, keyOnly, s.getTask))
		mux.HandleFunc("POST /v1/tasks/{id}/retry", s.authed(easel.ScopeUpload, keyOnly, s.retryTask))
		mux.HandleFunc("GET /v1/tasks/{id}/events", s.authed(easel.ScopeRead, keyOnly, s.taskEvents))
	}
	if s.Flows != nil {
		mux.HandleFunc("POST /v1/flows/{name}/run", s.authed(easel.ScopeUpload, keyOnly, s.runFlow))
		mux.HandleFunc("GET /v1/flows", s.authed(easel.ScopeRead, keyOnly, s.listFlows))
		mux.HandleFunc("GET /v1/flows/{name}", s.authed(easel.ScopeRead, keyOnly, s.getFlow))
		mux.HandleFunc("PUT /v1/flows/{name}", s.authed(easel.ScopeAdmin, keyOnly, s.putFlow))
		mux.HandleFunc("DELETE /v1/flows/{name}", s.authed(easel.ScopeAdmin, keyOnly, s.deleteFlow))
		mux.HandleFunc("POST /v1/rules/explain", s.authed(easel.ScopeRead, keyOnly, s.explainRules))
		mux.HandleFunc("GET /v1/rules", s.authed(easel.ScopeRead, keyOnly, s.getRules))
		mux.HandleFunc("POST /v1/rules/validate", s.authed(easel.ScopeRead, keyOnly, s.validateRules))
	}
	if s.Batches != nil {
		mux.HandleFunc("POST /v1/batches", s.authed(easel.ScopeUpload, keyOnly, s.createBatch))
		mux.HandleFunc("GET /v1/batches/{id}", s.authed(easel.ScopeRead, keyOnly, s.getBatch))
	}
	if s.Quotas != nil {
		mux.HandleFunc("GET /v1/usage", s.authed(easel.ScopeRead, keyOnly, s.usage))
	}
	if s.Reports != nil {
		mux.HandleFunc("POST /v1/reports", s.authed(easel.ScopeUpload, allowToken, s.postReports))
		mux.HandleFunc("GET /v1/stats", s.authed(easel.ScopeRead, keyOnly, s.getStats))
	}
	if s.Resumable != nil {
		tus := s.resumableAuthed(s.Resumable)
		mux.Handle("/v1/uploads", tus)
		mux.Handle("/v1/uploads/", tus)
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
	return traced(deps.TracerProvider, s.Metrics.instrument(s.Log, recoverer(s.Log, s.compatRoutes(deliveryFirst(deliver, mux)))))
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

// tokenUse says whether a route takes an upload token.
type tokenUse bool

const (
	allowToken tokenUse = true
	keyOnly    tokenUse = false
)

// authenticate returns who the request's credential (Authorization: Bearer
// <API key or upload token>) acts for.
func authenticate(k *keys.Keys, r *http.Request) (keys.Principal, error) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return keys.Principal{}, easel.Errorf(easel.CodeUnauthenticated, "missing Authorization: Bearer <API key>")
	}
	return k.Authenticate(r.Context(), strings.TrimSpace(secret))
}

// allow refuses a principal that lacks scope (scope_missing), or that is an
// upload token on a route that takes none.
func allow(p keys.Principal, scope easel.Scope, tokens tokenUse) error {
	if p.Token != nil && !bool(tokens) {
		return easel.Errorf(easel.CodeScopeMissing, "an upload token can only upload (POST /v1/assets, /v1/uploads)")
	}
	if !p.Scopes.Has(scope) {
		return easel.Errorf(easel.CodeScopeMissing, "this API key lacks the %q scope (it has %q)", scope, p.Scopes.String())
	}
	return nil
}

// authed requires a valid credential with scope (an upload token only where
// tokens allow it) and passes who it acts for on in the context.
func (s *server) authed(scope easel.Scope, tokens tokenUse, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := authenticate(s.Keys, r)
		if err == nil {
			err = allow(p, scope, tokens)
		}
		if err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		if base, ok := s.Regions.elsewhere(r, p.TenantID); ok {
			redirectRegion(w, r, base, noStore)
			return
		}
		next(w, r.WithContext(keys.WithPrincipal(r.Context(), p)))
	}
}

// resumableAuthed authenticates the tus routes (upload scope; upload tokens
// allowed) and passes the principal on in the context, where APIKeyAuth and
// the completion find it. CORS preflights (OPTIONS) carry no credential.
func (s *server) resumableAuthed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		p, err := authenticate(s.Keys, r)
		if err == nil {
			err = allow(p, easel.ScopeUpload, allowToken)
		}
		if err != nil {
			w.Header().Set("Tus-Resumable", "1.0.0")
			writeError(w, r, s.Log, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(keys.WithPrincipal(r.Context(), p)))
	})
}

// APIKeyAuth authenticates a request as the API routes do (Authorization:
// Bearer <API key or upload token>, upload scope) and returns its tenant and
// byte cap (an upload token's max_bytes; 0 for an API key): the AuthFunc of
// internal/tus. A principal already in the request's context (put there by
// the API's handler in front) is used as it is.
func APIKeyAuth(k *keys.Keys) func(r *http.Request) (tenant string, maxBytes int64, err error) {
	return func(r *http.Request) (string, int64, error) {
		p, ok := keys.PrincipalFrom(r.Context())
		if !ok {
			var err error
			if p, err = authenticate(k, r); err != nil {
				return "", 0, err
			}
			if err := allow(p, easel.ScopeUpload, allowToken); err != nil {
				return "", 0, err
			}
		}
		if p.Token != nil {
			return p.TenantID, p.Token.MaxBytes, nil
		}
		return p.TenantID, 0, nil
	}
}

// ErrorWriter returns what writes an error as the API's JSON error, with
// the status of its code: internal/tus's Config.WriteError.
func ErrorWriter(log *slog.Logger) func(w http.ResponseWriter, r *http.Request, err error) {
	return func(w http.ResponseWriter, r *http.Request, err error) { writeError(w, r, log, err) }
}

func tenantOf(r *http.Request) string {
	p, _ := keys.PrincipalFrom(r.Context())
	return p.TenantID
}

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
