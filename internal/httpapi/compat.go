package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/compat/thumbor"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/transform"
)

// Compat configures the routes that render fetched originals. A nil field
// serves nothing for it.
type Compat struct {
	// Remote renders /i/{sig}/{ops}/src:{name}/{path} and the endpoints below.
	Remote *delivery.Remote
	// Thumbor serves /thumbor/... when set.
	Thumbor *delivery.ThumborConfig
	// Imgproxy serves /imgproxy/... when set.
	Imgproxy *delivery.ImgproxyConfig
}

// compatRoutes answers GET and HEAD of source delivery paths, /thumbor/ and
// /imgproxy/ before next (a ServeMux) sees them: their paths hold "//" (in
// "http://...") that ServeMux would clean and redirect, and they are read
// raw (r.URL.EscapedPath()).
func (s *server) compatRoutes(next http.Handler) http.Handler {
	c := s.Compat
	if c == nil || c.Remote == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		p := r.URL.EscapedPath()
		switch {
		case strings.HasPrefix(p, transform.DeliveryPrefix) && transform.IsSourcePath(p[len(transform.DeliveryPrefix):]):
			r.Pattern = "GET /i/{sig}/{ops}/src:{name}/" // the route label of the metrics
			s.deliverSource(w, r, p[len(transform.DeliveryPrefix):])
		case c.Thumbor != nil && strings.HasPrefix(p, "/thumbor/"):
			r.Pattern = "GET /thumbor/"
			s.thumbor(w, r, p[len("/thumbor"):])
		case c.Imgproxy != nil && strings.HasPrefix(p, "/imgproxy/"):
			r.Pattern = "GET /imgproxy/"
			s.imgproxy(w, r, p[len("/imgproxy"):])
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// deliverSource handles /i/{signature}/{operations}/src:{name}/{path}.
func (s *server) deliverSource(w http.ResponseWriter, r *http.Request, rest string) {
	res, err := s.Compat.Remote.Resolve(r.Context(), delivery.Request{Path: rest, Accept: r.Header.Get("Accept")})
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	s.writeRemote(w, r, res, nil)
}

// thumbor handles /thumbor/{signature|unsafe}/...; meta/ answers thumbor's JSON.
func (s *server) thumbor(w http.ResponseWriter, r *http.Request, path string) {
	res, req, err := s.Compat.Remote.Thumbor(r.Context(), *s.Compat.Thumbor, path, r.Header.Get("Accept"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if !req.Meta {
		s.writeRemote(w, r, res, nil)
		return
	}
	src, plan, err := s.Compat.Remote.Plan(r.Context(), res)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	body, err := thumbor.Meta(req.Image, src, plan)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// imgproxy handles /imgproxy/{signature|insecure|unsafe}/...: filename and
// return_attachment set Content-Disposition; an expired URL is 404, as
// imgproxy answers (https://docs.imgproxy.net/usage/processing#expires).
func (s *server) imgproxy(w http.ResponseWriter, r *http.Request, path string) {
	res, req, err := s.Compat.Remote.Imgproxy(r.Context(), *s.Compat.Imgproxy, path, r.Header.Get("Accept"), time.Now())
	if err != nil {
		if easel.ErrorCode(err) == easel.CodePermissionDenied && strings.HasPrefix(easel.ErrorMessage(err), "imgproxy: exp:") {
			err = easel.Errorf(easel.CodeNotFound, "imgproxy: the URL expired")
		}
		writeError(w, r, s.Log, err)
		return
	}
	var disposition func(contentType string) string
	if req.Filename != "" || req.Attachment {
		disposition = func(contentType string) string {
			kind := "inline"
			if req.Attachment {
				kind = "attachment"
			}
			name := req.Filename
			if name == "" {
				name = "image"
			}
			if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 && !strings.Contains(name, ".") {
				name += exts[0]
			}
			return mime.FormatMediaType(kind, map[string]string{"filename": name})
		}
	}
	s.writeRemote(w, r, res, disposition)
}

// writeRemote answers a resolved request as deliver does: ETag,
// Cache-Control, 304 on a matching If-None-Match, then the image.
func (s *server) writeRemote(w http.ResponseWriter, r *http.Request, res *delivery.RemoteResolved, disposition func(string) string) {
	h := w.Header()
	h.Set("ETag", res.ETag)
	h.Set("Cache-Control", s.cfg.CacheControl)
	if res.Vary {
		h.Set("Vary", "Accept")
	}
	if etagMatch(r.Header.Get("If-None-Match"), res.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	out, err := s.Compat.Remote.Render(r.Context(), res)
	if err != nil {
		h.Del("ETag")
		h.Del("Vary")
		writeError(w, r, s.Log, err)
		return
	}
	h.Set("Content-Type", out.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(out.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Easel-Cache", out.Layer)
	if disposition != nil {
		h.Set("Content-Disposition", disposition(out.ContentType))
	}
	if out.Faces >= 0 {
		h.Set("X-Easel-Faces", strconv.Itoa(out.Faces))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out.Data)
	}
}
