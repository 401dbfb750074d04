package webhook

import (
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/netguard"
)

// ErrBlockedAddress is wrapped by the error of a connection that the client
// of NewClient refused because the resolved address is not allowed. It is
// netguard.ErrBlocked.
var ErrBlockedAddress = netguard.ErrBlocked

// checkAddr reports why a connection to a is not allowed, or nil: the
// classification of netguard (the IANA special-purpose registries), with
// AllowPrivate covering private, link-local, CGNAT and unique-local
// addresses and AllowLoopback covering loopback. Every other
// special-purpose address is always refused.
func checkAddr(a netip.Addr, allowPrivate, allowLoopback bool) error {
	return policy(allowPrivate, allowLoopback).Check(a)
}

func policy(allowPrivate, allowLoopback bool) netguard.Policy {
	return netguard.Policy{AllowPrivate: allowPrivate, AllowLoopback: allowLoopback}
}

// CheckURL reports whether raw may be a callback URL: absolute http or https,
// with a host and without user information. A host that is an IP address, or
// "localhost", must also pass the address rules of NewClient; other host
// names are checked after resolution, when the client connects. Errors carry
// easel.CodeInvalidArgument and a message for the client.
func CheckURL(raw string, allowPrivate, allowLoopback bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: scheme must be http or https")
	case u.User != nil:
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: user information is not allowed")
	case u.Hostname() == "":
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: host is required")
	}
	host := u.Hostname()
	if err := policy(allowPrivate, allowLoopback).CheckHost(host); err != nil {
		what := "host"
		if _, perr := netip.ParseAddr(host); perr == nil {
			what = "address"
		}
		return easel.WrapError(easel.CodeInvalidArgument, err, "callback_url: %s %s is not allowed", what, host)
	}
	return nil
}

// NewClient returns an HTTP client for callbacks. Its dialer refuses, after
// DNS resolution, connections to addresses that are not allowed (see
// CheckURL); the refusal wraps ErrBlockedAddress. It uses no proxy (a proxy
// would make the dialer check the proxy, not the destination), does not
// follow redirects (the 3xx response is returned), and gives up on a request
// after timeout when it is positive.
func NewClient(timeout time.Duration, allowPrivate, allowLoopback bool) *http.Client {
	d := &netguard.Dialer{Policy: policy(allowPrivate, allowLoopback)}
	return &http.Client{
		Transport: d.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
