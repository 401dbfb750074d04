package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/svgsafe"
)

// deliver handles GET and HEAD /i/{signature}/{operations}/{asset}[.{ext}].
func (s *server) deliver(w http.ResponseWriter, r *http.Request) {
	res, err := s.Delivery.Resolve(r.Context(), delivery.Request{
		Path:   strings.TrimPrefix(r.URL.EscapedPath(), "/i/"),
		Accept: r.Header.Get("Accept"),
	})
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
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
	out, err := s.Delivery.Render(r.Context(), res)
	if err != nil {
		h.Del("ETag")
		h.Del("Vary")
		writeError(w, r, s.Log, err)
		return
	}
	h.Set("Content-Type", out.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(out.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	if svgsafe.IsActive(out.ContentType) {
		// An original of an active type (SVG): sanitised at upload, and
		// still never run on the delivery origin.
		for k, v := range svgsafe.SafeHeaders("") {
			h.Set(k, v)
		}
	}
	h.Set("X-Easel-Cache", out.Layer)
	if out.Faces >= 0 {
		// Face operations with no face leave the image as it is: say so.
		h.Set("X-Easel-Faces", strconv.Itoa(out.Faces))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out.Data)
	}
}

// etagMatch reports whether an If-None-Match header matches etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag {
			return true
		}
	}
	return false
}
