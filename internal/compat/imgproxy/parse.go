package imgproxy

import (
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/compat"
	"github.com/easelhq/easel/transform"
)

// Request is a parsed imgproxy URL.
type Request struct {
	// Options are easel's operations for the URL.
	Options transform.Options
	// SourceURL is the absolute source image URL, decoded (see Source).
	SourceURL string
	// Filename (fn) names the file in Content-Disposition; "" when not set.
	Filename string
	// Attachment (att) asks for Content-Disposition: attachment.
	Attachment bool
	// Expires (exp) is when the URL stops working; zero when it does not.
	// Parse already refuses an expired URL.
	Expires time.Time
}

// maxPathBytes bounds an imgproxy path.
const maxPathBytes = 8192

var (
	errBadSignature = easel.Errorf(easel.CodePermissionDenied, "invalid URL signature")
	errUnsafe       = easel.Errorf(easel.CodePermissionDenied, "imgproxy: unsigned URLs are not allowed")
)

// Parse verifies and reads path, the part of an imgproxy URL after the
// server (and after any /imgproxy/ prefix), still percent-encoded as it
// arrived: "/{signature}/{options}/...". now is the time for exp. Errors
// are *easel.Error: permission_denied for a bad signature or an expired
// URL, invalid_argument naming the option for anything else.
func Parse(cfg Config, path string, now time.Time) (Request, error) {
	path = strings.TrimPrefix(path, "/")
	if len(path) > maxPathBytes {
		return Request{}, easel.Errorf(easel.CodeInvalidArgument, "imgproxy: URL longer than %d bytes", maxPathBytes)
	}
	sig, rest, ok := strings.Cut(path, "/")
	if !ok || rest == "" {
		return Request{}, easel.Errorf(easel.CodeInvalidArgument, "imgproxy: no source URL")
	}
	switch {
	case sig == "insecure" || sig == "unsafe":
		if !cfg.AllowUnsafe {
			return Request{}, errUnsafe
		}
	case !cfg.verify(sig, "/"+rest):
		return Request{}, errBadSignature
	}
	req, err := ParseOperations(rest)
	if err != nil {
		return req, err
	}
	if !req.Expires.IsZero() && !now.Before(req.Expires) {
		return Request{}, easel.Errorf(easel.CodePermissionDenied, "imgproxy: exp: the URL expired")
	}
	return req, nil
}

// ParseOperations reads the part after the signature, without checking
// any signature or expiry.
func ParseOperations(rest string) (Request, error) {
	var req Request
	segs := strings.Split(rest, "/")
	var st state
	i := 0
	for ; i < len(segs); i++ {
		seg := segs[i]
		if seg == "plain" || seg == "enc" || !strings.Contains(seg, ":") {
			break
		}
		if err := st.option(seg, i == 0); err != nil {
			return req, err
		}
	}
	if i == len(segs) {
		return req, easel.Errorf(easel.CodeInvalidArgument, "imgproxy: no source URL")
	}
	var ext string
	var err error
	switch segs[i] {
	case "enc":
		return req, invalid("enc", "encrypted source URLs are not supported")
	case "plain":
		req.SourceURL, ext, err = plainURL(strings.Join(segs[i+1:], "/"))
	default:
		req.SourceURL, ext, err = base64URL(strings.Join(segs[i:], ""))
	}
	if err != nil {
		return req, err
	}
	if ext != "" {
		if err := st.setFormat("extension "+ext, ext); err != nil {
			return req, err
		}
	}
	req.Filename, req.Attachment, req.Expires = st.filename, st.attachment, st.expires
	req.Options, err = st.options()
	return req, err
}

// plainURL reads "plain/{url}[@ext]"; the URL may be percent-encoded.
func plainURL(s string) (u, ext string, err error) {
	if at := strings.LastIndexByte(s, '@'); at >= 0 && !strings.ContainsAny(s[at+1:], "/:") {
		s, ext = s[:at], s[at+1:]
	}
	u, err = url.PathUnescape(s)
	if err != nil || u == "" {
		return "", "", invalid("plain/"+s, "not a percent-encoded URL")
	}
	return u, ext, nil
}

// base64URL reads "{base64url}[.ext]" (the chunks already joined).
func base64URL(s string) (u, ext string, err error) {
	if dot := strings.LastIndexByte(s, '.'); dot >= 0 {
		s, ext = s[:dot], s[dot+1:]
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return "", "", invalid(s, "not a base64url-encoded source URL")
	}
	return string(b), ext, nil
}

// invalid returns an invalid_argument error naming the imgproxy option.
func invalid(item, format string, args ...any) error {
	return easel.Errorf(easel.CodeInvalidArgument, "imgproxy: %s: "+format, append([]any{compat.Item(item)}, args...)...)
}

// Matcher finds the source a full image URL falls inside;
// *source.Fetcher implements it.
type Matcher = compat.Matcher

// Source returns the source name and percent-encoded path of the source
// URL, which must fall inside a configured source open to tenant: an
// http(s) URL below a source's url, or s3://bucket/object (imgproxy's S3
// form) in the bucket, below the prefix, of an S3 source.
func (r Request) Source(tenant string, m Matcher) (name, rawPath string, err error) {
	u, err := url.Parse(r.SourceURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "s3") {
		return "", "", easel.Errorf(easel.CodeInvalidArgument, "imgproxy: source URL %s: only http, https and s3", compat.Item(r.SourceURL))
	}
	return m.Match(tenant, u.String())
}
