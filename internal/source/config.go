package source

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/easelhq/easel/internal/netguard"
)

// Origin is one named remote source of originals: an http(s) base URL or
// an S3 bucket, exactly one of the two.
type Origin struct {
	// URL is the base URL, http or https; paths are resolved below it.
	URL string `yaml:"url"`
	// S3 is a bucket with its credentials; paths are object names below
	// its prefix.
	S3 *S3Origin `yaml:"s3"`
	// Prefixes, when not empty, are the only path prefixes (below URL,
	// starting with "/") that may be fetched.
	Prefixes []string `yaml:"prefixes"`
	// Tenants, when not empty, are the only tenants that may use the origin.
	Tenants []string `yaml:"tenants"`
	// AllowLoopback and AllowPrivate let the origin (and its redirects)
	// reach loopback and private addresses (see netguard.Policy).
	AllowLoopback bool `yaml:"allow_loopback"`
	AllowPrivate  bool `yaml:"allow_private"`
}

// Policy is the address policy of the origin.
func (o Origin) Policy() netguard.Policy {
	return netguard.Policy{AllowLoopback: o.AllowLoopback, AllowPrivate: o.AllowPrivate}
}

// Config configures a Fetcher.
type Config struct {
	// Origins by name (letters, digits, "-" and "_").
	Origins map[string]Origin `yaml:"sources"`
	// MaxRedirects is how many redirects a fetch follows, 0..20.
	MaxRedirects int `yaml:"max_redirects"`
	// Timeout bounds one fetch, body included.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBytes is the largest original fetched.
	MaxBytes int64 `yaml:"max_bytes"`
	// RevalidateAfter is how long a cached original is used without asking
	// the origin; after it, the origin is asked with the validators.
	RevalidateAfter time.Duration `yaml:"revalidate_after"`
	// UserAgent is sent with every request.
	UserAgent string `yaml:"user_agent"`
}

// Defaults of Config.
const (
	DefaultMaxRedirects    = 3
	DefaultTimeout         = 10 * time.Second
	DefaultMaxBytes        = 50 << 20
	DefaultRevalidateAfter = time.Hour
	DefaultUserAgent       = "easel-source/1"
)

// NewDefaultConfig returns a Config with no origins and the defaults.
func NewDefaultConfig() Config {
	return Config{
		MaxRedirects:    DefaultMaxRedirects,
		Timeout:         DefaultTimeout,
		MaxBytes:        DefaultMaxBytes,
		RevalidateAfter: DefaultRevalidateAfter,
		UserAgent:       DefaultUserAgent,
	}
}

var originName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate checks every origin and limit; the error names the setting.
func (c Config) Validate() error {
	switch {
	case c.MaxRedirects < 0 || c.MaxRedirects > 20:
		return fmt.Errorf("sources: max_redirects must be 0..20, not %d", c.MaxRedirects)
	case c.Timeout <= 0:
		return fmt.Errorf("sources: timeout must be positive")
	case c.MaxBytes <= 0:
		return fmt.Errorf("sources: max_bytes must be positive")
	case c.RevalidateAfter < 0:
		return fmt.Errorf("sources: revalidate_after must not be negative")
	}
	for name, o := range c.Origins {
		if !originName.MatchString(name) {
			return fmt.Errorf("sources: name %q: use 1..64 letters, digits, - and _", name)
		}
		switch {
		case o.URL != "" && o.S3 != nil:
			return fmt.Errorf("sources.%s: set url or s3, not both", name)
		case o.S3 != nil:
			if err := o.S3.validate(name, o.Policy()); err != nil {
				return err
			}
		case o.URL == "":
			return fmt.Errorf("sources.%s: set url or s3", name)
		default:
			if _, err := parseBase(o); err != nil {
				return fmt.Errorf("sources.%s.url: %w", name, err)
			}
		}
		for _, p := range o.Prefixes {
			if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") || strings.ContainsAny(p, "%\\?#") {
				return fmt.Errorf("sources.%s.prefixes: %q must start with / and hold no .., %%, \\, ? or #", name, p)
			}
		}
	}
	return nil
}

// parseBase parses an origin's URL: absolute http(s), a host, no user
// information, query or fragment, a literal address its policy allows. The
// path always ends with "/".
func parseBase(o Origin) (*url.URL, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q: no query or fragment allowed", o.URL)
	}
	if err := o.Policy().CheckURL(u); err != nil {
		return nil, fmt.Errorf("%q: %w", o.URL, err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u, nil
}
