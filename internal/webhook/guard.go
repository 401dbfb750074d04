package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/easelhq/easel"
)

// ErrBlockedAddress is wrapped by the error of a connection that the client
// of NewClient refused because the resolved address is not allowed.
var ErrBlockedAddress = errors.New("webhook: blocked address")

// Address classes that are never public destinations.
var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598 shared address space
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")     // RFC 1122; 0.x reaches the host itself on Linux
	reserved    = netip.MustParsePrefix("240.0.0.0/4")   // RFC 1112 class E, and the broadcast address
	siteLocal   = netip.MustParsePrefix("fec0::/10")     // deprecated IPv6 site-local, private in practice
	nat64       = netip.MustParsePrefix("64:ff9b::/96")  // RFC 6052: embeds an IPv4 address
)

// checkAddr reports why a connection to a is not allowed, or nil.
// AllowPrivate covers private, link-local and CGNAT addresses; AllowLoopback
// covers loopback. Unspecified, multicast and reserved addresses are always
// refused. IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4
// address they embed.
func checkAddr(a netip.Addr, allowPrivate, allowLoopback bool) error {
	a = a.WithZone("").Unmap()
	if a.Is6() && nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:16]))
	}
	switch {
	case !a.IsValid():
		return fmt.Errorf("%w: invalid address", ErrBlockedAddress)
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return fmt.Errorf("%w: %s is unspecified", ErrBlockedAddress, a)
	case a.IsMulticast():
		return fmt.Errorf("%w: %s is multicast", ErrBlockedAddress, a)
	case reserved.Contains(a):
		return fmt.Errorf("%w: %s is reserved", ErrBlockedAddress, a)
	case a.IsLoopback():
		if !allowLoopback {
			return fmt.Errorf("%w: %s is loopback", ErrBlockedAddress, a)
		}
	case a.IsPrivate() || siteLocal.Contains(a):
		if !allowPrivate {
			return fmt.Errorf("%w: %s is private", ErrBlockedAddress, a)
		}
	case a.IsLinkLocalUnicast():
		if !allowPrivate {
			return fmt.Errorf("%w: %s is link-local", ErrBlockedAddress, a)
		}
	case cgnat.Contains(a):
		if !allowPrivate {
			return fmt.Errorf("%w: %s is carrier-grade NAT", ErrBlockedAddress, a)
		}
	}
	return nil
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
	if u.Scheme != "http" && u.Scheme != "https" {
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: scheme must be http or https")
	}
	if u.User != nil {
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: user information is not allowed")
	}
	host := u.Hostname()
	if host == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: host is required")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := checkAddr(a, allowPrivate, allowLoopback); err != nil {
			return easel.Errorf(easel.CodeInvalidArgument, "callback_url: address %s is not allowed", host)
		}
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if !allowLoopback && (name == "localhost" || strings.HasSuffix(name, ".localhost")) {
		return easel.Errorf(easel.CodeInvalidArgument, "callback_url: host %s is not allowed", host)
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
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s %q", ErrBlockedAddress, network, address)
			}
			return checkAddr(ap.Addr(), allowPrivate, allowLoopback)
		},
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
