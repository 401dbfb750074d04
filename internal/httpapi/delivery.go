package httpapi

import (
	"net/http"
	"strings"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/internal/svgsafe"
)

// Header values shared by every delivery response (never modified).
var (
	varyAccept = []string{"Accept"}
	nosniff    = []string{"nosniff"}
)

// deliver handles GET and HEAD /i/{signature}/{operations}/{asset}[.{ext}].
// A memory-cache hit formats nothing: its header values were made when it
// was cached (delivery.HeaderValues) and are assigned as they are.
func (s *server) deliver(w http.ResponseWriter, r *http.Request) {
	res, err := s.Delivery.Resolve(r.Context(), delivery.Request{
		Path:   strings.TrimPrefix(r.URL.EscapedPath(), "/i/"),
		Accept: r.Header.Get("Accept"),
	})
	if err != nil {
		s.Metrics.effects.Fail(observe.StageDelivery, easel.ErrorCode(err), observe.Other, "")
		writeError(w, r, s.Log, err)
		return
	}
	h := w.Header()
	h["Etag"] = res.ETagValue()
	h["Cache-Control"] = s.cacheControl
	if res.Vary {
		h["Vary"] = varyAccept
	}
	if etagMatch(r.Header.Get("If-None-Match"), res.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	out, err := s.Delivery.Render(r.Context(), res)
	if err != nil {
		delete(h, "Etag")
		delete(h, "Vary")
		tenant, opts := res.Labels()
		s.Metrics.effects.Fail(observe.StageDelivery, easel.ErrorCode(err), observe.EffectOf(opts), tenant)
		writeError(w, r, s.Log, err)
		return
	}
	v := &out.Values
	h["Content-Type"] = v.ContentType
	h["Content-Length"] = v.ContentLength
	h["X-Content-Type-Options"] = nosniff
	if svgsafe.IsActive(out.ContentType) {
		// An original of an active type (SVG): sanitised at upload, and
		// still never run on the delivery origin.
		for k, v := range svgsafe.SafeHeaders("") {
			h.Set(k, v)
		}
	}
	h["X-Easel-Cache"] = v.Layer
	// Varnish bans cached objects by this header when the asset is deleted.
	h["X-Easel-Asset"] = v.AssetID
	if v.Source != nil {
		h["X-Easel-Source"] = v.Source
	}
	if v.Faces != nil {
		// Face operations with no face leave the image as it is: say so.
		h["X-Easel-Faces"] = v.Faces
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out.Data)
	}
	if out.Timer != nil {
		// Observed by instrument with the request's latency: no clock
		// read of its own (a clock read costs ~0.35 µs on some VMs).
		if rec, ok := w.(*statusRecorder); ok {
			rec.timer = out.Timer
		}
	}
}

// etagMatch reports whether an If-None-Match header matches etag (weak
// comparison, as RFC 9110 asks for If-None-Match). It allocates nothing.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for header != "" {
		var t string
		t, header, _ = strings.Cut(header, ",")
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag {
			return true
		}
	}
	return false
}
