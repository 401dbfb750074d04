package netguard

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrBlocked is wrapped by every refusal of this package.
var ErrBlocked = errors.New("netguard: blocked address")

// Policy says which classes of address may be connected to. The zero value
// allows only public addresses.
type Policy struct {
	// AllowLoopback allows 127/8 and ::1 (and "localhost" names).
	AllowLoopback bool `yaml:"allow_loopback"`
	// AllowPrivate allows the Private class: RFC 1918, unique and site
	// local, link-local (cloud metadata included), CGNAT, local-use NAT64.
	AllowPrivate bool `yaml:"allow_private"`
}

// Allows reports whether p allows a class.
func (p Policy) Allows(c Class) bool {
	switch c {
	case Public:
		return true
	case Loopback:
		return p.AllowLoopback
	case Private:
		return p.AllowPrivate
	}
	return false
}

// Check returns nil when p allows a, else an error wrapping ErrBlocked that
// names the range.
func (p Policy) Check(a netip.Addr) error {
	v := Classify(a)
	if p.Allows(v.Class) {
		return nil
	}
	return fmt.Errorf("%w: %s is %s", ErrBlocked, a, v)
}

// CheckHost checks a URL host name before any resolution: an IP literal
// must pass Check, and "localhost" and its subdomains need AllowLoopback.
// Other names pass; their addresses are checked when dialling.
func (p Policy) CheckHost(host string) error {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return p.Check(a)
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "" {
		return fmt.Errorf("%w: empty host", ErrBlocked)
	}
	if !p.AllowLoopback && (name == "localhost" || strings.HasSuffix(name, ".localhost")) {
		return fmt.Errorf("%w: %s is loopback", ErrBlocked, host)
	}
	return nil
}

// CheckURL checks a URL about to be fetched: absolute http or https, a host,
// no user information, and a host that passes CheckHost. Errors wrap
// ErrBlocked.
func (p Policy) CheckURL(u *url.URL) error {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme %q is not http or https", ErrBlocked, u.Scheme)
	case u.User != nil:
		return fmt.Errorf("%w: user information in the URL", ErrBlocked)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%w: no host", ErrBlocked)
	}
	return p.CheckHost(u.Hostname())
}

// Control is a net.Dialer.Control function: it refuses to connect to an
// address p does not allow. It runs for every connection attempt, on the
// resolved address, so it holds against DNS rebinding.
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s %q", ErrBlocked, network, address)
	}
	return p.Check(ap.Addr())
}

// CheckRedirect returns an http.Client.CheckRedirect function that follows
// at most max redirects (0: none; the 3xx is then an error), each to a URL
// that passes CheckURL. The dialer still checks the resolved address.
func (p Policy) CheckRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > max {
			return fmt.Errorf("%w: more than %d redirects", ErrTooManyRedirects, max)
		}
		if err := p.CheckURL(req.URL); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
		}
		return nil
	}
}

// ErrTooManyRedirects is wrapped by the error of CheckRedirect past its limit.
var ErrTooManyRedirects = errors.New("netguard: too many redirects")
