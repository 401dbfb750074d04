package s3

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob"
)

// Defaults of Config.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultPartSize    = 8 << 20
	DefaultMaxAttempts = 4
	// MinPartSize is the smallest part S3 accepts in a multipart upload
	// (except the last).
	MinPartSize = 5 << 20
)

// Config configures a Store.
type Config struct {
	// Endpoint is the server's base URL, e.g. "http://127.0.0.1:7070".
	// Empty means AWS S3 of Region.
	Endpoint string
	// Bucket holds the blobs. It must exist.
	Bucket string
	// Region signs requests; "us-east-1" when empty.
	Region string
	// AccessKey and SecretKey are the static credentials.
	AccessKey string
	SecretKey string
	// PathStyle addresses the bucket in the path (http://host/bucket/key)
	// instead of the host name (http://bucket.host/key). Most self-hosted
	// servers need it.
	PathStyle bool
	// Prefix is put before every key, so several installations can share a
	// bucket: "easel/" stores the key "a/b" as the object "easel/a/b". It is
	// made of key characters and ends with "/" when not empty.
	Prefix string
	// Timeout bounds one request (one part of a multipart upload, the
	// response headers of a Get); 0 means DefaultTimeout.
	Timeout time.Duration
	// PartSize is the multipart part size, at least MinPartSize; 0 means
	// DefaultPartSize. Blobs smaller than it are put in one request.
	PartSize int64
	// MaxAttempts is how often a request is tried on transient errors; 0
	// means DefaultMaxAttempts.
	MaxAttempts int
	// HTTPClient sends the requests; nil means a default client.
	HTTPClient *http.Client
	// Setting names this configuration in error messages, e.g. "blob.s3"
	// or "blob.secondary.s3"; "blob.s3" when empty.
	Setting string
}

func (c Config) setting(field string) string {
	s := c.Setting
	if s == "" {
		s = "blob.s3"
	}
	return s + "." + field
}

// withDefaults returns c with zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	return c
}

// Validate reports the first setting that cannot work, naming it.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return easel.Errorf(easel.CodeInvalidArgument, "s3 blob: %s: %s", c.setting(field), fmt.Sprintf(format, args...))
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("endpoint", "%q is not an http(s) URL", c.Endpoint)
		}
	}
	switch {
	case c.Bucket == "":
		return bad("bucket", "is empty")
	case len(c.Bucket) < 3 || len(c.Bucket) > 63 || strings.ContainsAny(c.Bucket, "/ ") || strings.ToLower(c.Bucket) != c.Bucket:
		return bad("bucket", "%q is not a bucket name", c.Bucket)
	case c.AccessKey == "":
		return bad("access_key", "is empty")
	case c.SecretKey == "":
		return bad("secret_key", "is empty")
	case c.Prefix != "" && (!strings.HasSuffix(c.Prefix, "/") || blob.ValidateKey(strings.TrimSuffix(c.Prefix, "/")) != nil):
		return bad("prefix", "%q must be key segments ([a-z0-9._-]) ending with \"/\"", c.Prefix)
	case c.Timeout < 0:
		return bad("timeout", "must not be negative")
	case c.PartSize != 0 && (c.PartSize < MinPartSize || c.PartSize > 5<<30):
		return bad("part_size", "must be between 5 MiB and 5 GiB")
	case c.MaxAttempts < 0:
		return bad("max_attempts", "must not be negative")
	}
	return nil
}
