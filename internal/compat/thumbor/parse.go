package thumbor

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/compat"
	"github.com/easelhq/easel/transform"
)

// Config configures the thumbor grammar.
type Config struct {
	// SecurityKey signs URLs (thumbor's SECURITY_KEY).
	SecurityKey string
	// AllowUnsafe accepts "unsafe" in place of a signature.
	AllowUnsafe bool
}

// Request is a parsed thumbor URL.
type Request struct {
	// Options are easel's operations for the URL.
	Options transform.Options
	// Meta asks for thumbor's JSON metadata instead of the image.
	Meta bool
	// Image is the image part of the URL, as it appears there (see Source).
	Image string
}

// maxPathBytes bounds a thumbor path.
const maxPathBytes = 4096

// Errors of Parse.
var (
	errBadSignature = easel.Errorf(easel.CodePermissionDenied, "invalid URL signature")
	errUnsafe       = easel.Errorf(easel.CodePermissionDenied, "thumbor: unsafe URLs are not allowed")
)

// Parse verifies and reads path, the part of a thumbor URL after the
// server (and after any /thumbor/ prefix): "{signature|unsafe}/...".
// Errors are *easel.Error: permission_denied for a bad or missing
// signature, invalid_argument naming the item for anything else.
func Parse(cfg Config, path string) (Request, error) {
	path = strings.TrimPrefix(path, "/")
	if len(path) > maxPathBytes {
		return Request{}, easel.Errorf(easel.CodeInvalidArgument, "thumbor: URL longer than %d bytes", maxPathBytes)
	}
	sig, rest, ok := strings.Cut(path, "/")
	if !ok || rest == "" {
		return Request{}, easel.Errorf(easel.CodeInvalidArgument, "thumbor: no image in the URL")
	}
	switch {
	case sig == "unsafe":
		if !cfg.AllowUnsafe {
			return Request{}, errUnsafe
		}
	case !Verify(cfg.SecurityKey, sig, rest):
		return Request{}, errBadSignature
	}
	return ParseOperations(rest)
}

var (
	trimRe   = regexp.MustCompile(`^trim(:(top-left|bottom-right))?(:\d+)?$`)
	cropRe   = regexp.MustCompile(`^(\d+)x(\d+):(\d+)x(\d+)$`)
	sizeRe   = regexp.MustCompile(`^(-)?(\d+|orig)?x(-)?(\d+|orig)?$`)
	fitInRe  = regexp.MustCompile(`^(adaptive-)?(full-)?fit-in$`)
	hAligns  = map[string]bool{"left": true, "center": true, "right": true}
	vAligns  = map[string]bool{"top": true, "middle": true, "bottom": true}
	maxCoord = 65535
)

// parsed holds what the path segments said, before it becomes Options.
type parsed struct {
	crop           *transform.Rect
	fitIn          bool
	width, height  int
	flipH, flipV   bool
	halign, valign string
	smart          bool
	filters        filters
}

// ParseOperations reads the part of a thumbor URL after the signature,
// without checking any signature.
func ParseOperations(rest string) (Request, error) {
	var req Request
	var p parsed
	segs := strings.Split(rest, "/")
	i := 0
	next := func(match func(string) bool) (string, bool) {
		if i < len(segs)-1 && match(segs[i]) {
			i++
			return segs[i-1], true
		}
		return "", false
	}
	is := func(s string) func(string) bool { return func(x string) bool { return x == s } }

	if _, ok := next(is("debug")); ok {
		return req, invalid("debug", "not supported")
	}
	_, req.Meta = next(is("meta"))
	if s, ok := next(trimRe.MatchString); ok {
		return req, invalid(s, "trim is not supported")
	}
	if s, ok := next(cropRe.MatchString); ok {
		m := cropRe.FindStringSubmatch(s)
		l, t, r, b := atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
		if l > maxCoord || t > maxCoord || r > maxCoord || b > maxCoord {
			return req, invalid(s, "coordinates must be 0..%d", maxCoord)
		}
		// thumbor ignores an empty crop box.
		if r > l && b > t {
			p.crop = &transform.Rect{X: l, Y: t, W: r - l, H: b - t}
		}
	}
	if s, ok := next(fitInRe.MatchString); ok {
		if s != "fit-in" {
			return req, invalid(s, "only fit-in is supported (adaptive and full fit-in are not)")
		}
		p.fitIn = true
	}
	if s, ok := next(sizeRe.MatchString); ok {
		m := sizeRe.FindStringSubmatch(s)
		if m[2] == "orig" || m[4] == "orig" {
			return req, invalid(s, "orig sizes are not supported")
		}
		p.flipH, p.flipV = m[1] == "-", m[3] == "-"
		var err error
		if p.width, err = dimension(s, m[2]); err != nil {
			return req, err
		}
		if p.height, err = dimension(s, m[4]); err != nil {
			return req, err
		}
	}
	if s, ok := next(func(x string) bool { return hAligns[x] }); ok {
		p.halign = s
	}
	if s, ok := next(func(x string) bool { return vAligns[x] }); ok {
		p.valign = s
	}
	_, p.smart = next(is("smart"))
	if i < len(segs)-1 && strings.HasPrefix(segs[i], "filters:") {
		joined := strings.Join(segs[i:], "/")
		end := strings.Index(joined, ")/")
		if end < 0 {
			return req, invalid(compat.Item(joined), "filters must end with ) followed by the image")
		}
		var err error
		if p.filters, err = parseFilters(joined[len("filters:") : end+1]); err != nil {
			return req, err
		}
		req.Image = joined[end+2:]
	} else {
		req.Image = strings.Join(segs[i:], "/")
	}
	if req.Image == "" {
		return req, easel.Errorf(easel.CodeInvalidArgument, "thumbor: no image in the URL")
	}
	o, err := p.options()
	if err != nil {
		return req, err
	}
	req.Options = o
	return req, nil
}

func dimension(item, s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > transform.MaxDimension {
		return 0, invalid(item, "width and height must be 0..%d", transform.MaxDimension)
	}
	return n, nil
}

func atoi(s string) int {
	if len(s) > 9 {
		return maxCoord + 1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// invalid returns an invalid_argument error naming the thumbor item.
func invalid(item, format string, args ...any) error {
	return easel.Errorf(easel.CodeInvalidArgument, "thumbor: %s: "+format, append([]any{compat.Item(item)}, args...)...)
}

// Matcher finds the source a full image URL falls inside;
// *source.Fetcher implements it.
type Matcher = compat.Matcher

// Source tells where the image of r lives: a full http(s) URL (possibly
// percent-encoded, as thumbor's docs write them) must fall inside a source
// open to tenant (m.Match); any other image is a path below defaultSource.
// It returns the source name and the percent-encoded path for
// source.Fetcher.Fetch.
func (r Request) Source(tenant, defaultSource string, m Matcher) (name, rawPath string, err error) {
	img := r.Image
	lower := strings.ToLower(img)
	if strings.HasPrefix(lower, "http%3a") || strings.HasPrefix(lower, "https%3a") {
		if img, err = url.PathUnescape(img); err != nil {
			return "", "", easel.Errorf(easel.CodeInvalidArgument, "thumbor: image URL: bad percent-encoding")
		}
		lower = strings.ToLower(img)
	}
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		return m.Match(tenant, img)
	}
	if strings.Contains(lower, "://") {
		return "", "", easel.Errorf(easel.CodeInvalidArgument, "thumbor: image URL: only http and https")
	}
	if defaultSource == "" {
		return "", "", easel.Errorf(easel.CodeInvalidArgument, "thumbor: image %s is not a full URL and no source is configured", compat.Item(r.Image))
	}
	return defaultSource, img, nil
}
