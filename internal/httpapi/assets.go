package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/assets"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/upload"
)

// multipartSlack is how much a multipart body may exceed the upload limit
// (boundaries, headers, small fields).
const multipartSlack = 1 << 20

// uploadAsset handles POST /v1/assets: multipart field "file", or the raw
// image as the body, streamed to the use case. Operations (fields or query
// parameters "ops", repeated, and "callback_url") make it also submit a task;
// "?wait=10s" then holds the response until the task is final or the time
// is up.
func (s *server) uploadAsset(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q := r.URL.Query()
	req := upload.Request{
		Name:            q.Get("name"),
		Body:            r.Body,
		Task:            &tasks.Request{Ops: q["ops"], CallbackURL: q.Get("callback_url"), Region: q.Get("region")},
		SkipAnalysis:    q.Get("analyze") == "false",
		SkipVerify:      q.Get("verify") == "false",
		SkipRules:       q.Get("rules") == "false",
		SetReadDeadline: s.readDeadline(w),
		IdempotencyKey:  r.Header.Get("Idempotency-Key"),
		Flow:            q.Get("flow"),
	}
	if p, _ := keys.PrincipalFrom(r.Context()); p.Token != nil {
		req.Constraints = &upload.Constraints{MaxBytes: p.Token.MaxBytes, Types: p.Token.Types, Ops: p.Token.Ops, Flow: p.Token.Flow}
		// A body announced over the token's cap is refused before it is read.
		if p.Token.MaxBytes > 0 && r.ContentLength > p.Token.MaxBytes+multipartSlack {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeTooLarge, "upload is larger than %d bytes", p.Token.MaxBytes))
			return
		}
	}
	var err error
	if req.Wait, err = parseWait(q.Get("wait")); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+multipartSlack)
		body, err := openMultipart(r, &req)
		if err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		req.Body = body
	}
	res, err := s.Uploads.Upload(r.Context(), tenantOf(r), req)
	s.observeUpload(start, tenantOf(r), req.Task.Ops, res, err)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Location", "/v1/assets/"+res.ID)
	if res.Task == nil {
		writeJSON(w, http.StatusCreated, res)
		return
	}
	writeTask(w, *res.Task, res)
}

// readDeadline returns what sets the read deadline of the request's
// connection, never later than http.read_timeout after now (the zero time
// restores that bound).
func (s *server) readDeadline(w http.ResponseWriter) func(time.Time) error {
	rc := http.NewResponseController(w)
	var hard time.Time
	if s.cfg.ReadTimeout > 0 {
		hard = time.Now().Add(s.cfg.ReadTimeout)
	}
	return func(t time.Time) error {
		if t.IsZero() || (!hard.IsZero() && t.After(hard)) {
			t = hard
		}
		return rc.SetReadDeadline(t)
	}
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return easel.Errorf(easel.CodeTooLarge, "upload is larger than %d bytes", mbe.Limit-multipartSlack)
	}
	return easel.WrapError(easel.CodeInvalidArgument, err, "malformed multipart body")
}

func (s *server) getAsset(w http.ResponseWriter, r *http.Request) {
	a, err := s.Assets.Get(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *server) listAssets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := assets.ListRequest{Cursor: q.Get("cursor")}
	var err error
	if req.Limit, err = optionalInt(q, "limit", "limit must be an integer 1..1000"); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	res, err := s.Assets.List(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// similarAssets handles GET /v1/assets/{id}/similar?max_distance=8&limit=20.
func (s *server) similarAssets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := assets.SimilarRequest{AssetID: r.PathValue("id")}
	var err error
	if req.MaxDistance, err = optionalInt(q, "max_distance", "max_distance must be an integer 0..16"); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if req.Limit, err = optionalInt(q, "limit", "limit must be an integer 1..200"); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	res, err := s.Assets.Similar(r.Context(), tenantOf(r), req)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// optionalInt decodes an integer query parameter; nil when it is absent.
func optionalInt(q map[string][]string, name, msg string) (*int, error) {
	v := ""
	if vs := q[name]; len(vs) > 0 {
		v = vs[0]
	}
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "%s", msg)
	}
	return &n, nil
}

func (s *server) deleteAsset(w http.ResponseWriter, r *http.Request) {
	if err := s.Assets.Delete(r.Context(), tenantOf(r), r.PathValue("id")); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
