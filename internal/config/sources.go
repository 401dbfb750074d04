package config

import (
	"fmt"
	"time"

	"github.com/easelhq/easel/internal/compat/imgproxy"
	"github.com/easelhq/easel/internal/source"
)

// Fetch configures how originals are fetched from sources.
type Fetch struct {
	// Timeout bounds one fetch, body included.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBytes is the largest original fetched.
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxRedirects is how many redirects a fetch follows (0..20); every
	// redirect's address is checked again.
	MaxRedirects int `yaml:"max_redirects"`
	// RevalidateAfter is how long a fetched original (kept in the blob
	// store under sources/) is used before the origin is asked again with
	// its ETag / Last-Modified.
	RevalidateAfter time.Duration `yaml:"revalidate_after"`
}

// Compat configures the thumbor- and imgproxy-compatible endpoints.
type Compat struct {
	Thumbor  Thumbor  `yaml:"thumbor"`
	Imgproxy Imgproxy `yaml:"imgproxy"`
}

// Thumbor configures /thumbor/.
type Thumbor struct {
	// Enabled serves /thumbor/; off by default.
	Enabled bool `yaml:"enabled"`
	// SecurityKey is thumbor's SECURITY_KEY.
	SecurityKey string `yaml:"security_key"`
	// Source is the source an image path that is not a full URL is read from.
	Source string `yaml:"source"`
	// AllowUnsafe accepts "unsafe" instead of a signature.
	AllowUnsafe bool `yaml:"allow_unsafe"`
	// Tenant is the tenant the endpoint renders for (sources must be open to it).
	Tenant string `yaml:"tenant"`
}

// Imgproxy configures /imgproxy/.
type Imgproxy struct {
	// Enabled serves /imgproxy/; off by default.
	Enabled bool `yaml:"enabled"`
	// Keys and Salts are hex pairs, as IMGPROXY_KEYS and IMGPROXY_SALTS.
	Keys  []string `yaml:"keys"`
	Salts []string `yaml:"salts"`
	// SignatureSize is how many bytes of the digest a signature holds (1..32; 0 means 32).
	SignatureSize int `yaml:"signature_size"`
	// AllowUnsafe accepts "insecure" and "unsafe" instead of a signature.
	AllowUnsafe bool `yaml:"allow_unsafe"`
	// Tenant is the tenant the endpoint renders for (sources must be open to it).
	Tenant string `yaml:"tenant"`
}

func defaultFetch() Fetch {
	return Fetch{
		Timeout:         source.DefaultTimeout,
		MaxBytes:        source.DefaultMaxBytes,
		MaxRedirects:    source.DefaultMaxRedirects,
		RevalidateAfter: source.DefaultRevalidateAfter,
	}
}

// SourceConfig is the source.Config of sources and fetch.
func (c Config) SourceConfig() source.Config {
	sc := source.NewDefaultConfig()
	sc.Origins = c.Sources
	sc.Timeout, sc.MaxBytes = c.Fetch.Timeout, c.Fetch.MaxBytes
	sc.MaxRedirects, sc.RevalidateAfter = c.Fetch.MaxRedirects, c.Fetch.RevalidateAfter
	return sc
}

// ImgproxyConfig is the imgproxy grammar's configuration.
func (c Config) ImgproxyConfig() imgproxy.Config {
	i := c.Compat.Imgproxy
	return imgproxy.Config{Keys: i.Keys, Salts: i.Salts, SignatureSize: i.SignatureSize, AllowUnsafe: i.AllowUnsafe}
}

// validateSources checks sources, fetch and compat; errors name the setting.
func (c Config) validateSources() error {
	if err := c.SourceConfig().Validate(); err != nil {
		switch {
		case c.Fetch.Timeout <= 0:
			return fmt.Errorf("config: fetch.timeout must be positive")
		case c.Fetch.MaxBytes <= 0:
			return fmt.Errorf("config: fetch.max_bytes must be positive")
		case c.Fetch.MaxRedirects < 0 || c.Fetch.MaxRedirects > 20:
			return fmt.Errorf("config: fetch.max_redirects must be 0..20")
		case c.Fetch.RevalidateAfter < 0:
			return fmt.Errorf("config: fetch.revalidate_after must not be negative")
		}
		return fmt.Errorf("config: %w", err)
	}
	if t := c.Compat.Thumbor; t.Enabled {
		switch {
		case t.SecurityKey == "" && !t.AllowUnsafe:
			return fmt.Errorf("config: compat.thumbor.security_key is empty and allow_unsafe is off: no URL would work")
		case t.Tenant == "":
			return fmt.Errorf("config: compat.thumbor.tenant is empty")
		}
		if _, ok := c.Sources[t.Source]; t.Source != "" && !ok {
			return fmt.Errorf("config: compat.thumbor.source %q is not in sources", t.Source)
		}
	}
	if i := c.Compat.Imgproxy; i.Enabled {
		if i.Tenant == "" {
			return fmt.Errorf("config: compat.imgproxy.tenant is empty")
		}
		if len(i.Keys) == 0 && !i.AllowUnsafe {
			return fmt.Errorf("config: compat.imgproxy.keys is empty and allow_unsafe is off: no URL would work")
		}
		if err := c.ImgproxyConfig().Validate(); err != nil {
			return fmt.Errorf("config: compat.%w", err)
		}
	}
	return nil
}
