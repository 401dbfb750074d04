package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Resolver looks up the addresses of a host name. *net.Resolver satisfies
// it. It must return at least one address or an error.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// Dialer connects only to addresses its Policy allows. It resolves names
// itself, checks every address, and dials the allowed ones in turn with
// Policy.Control on the socket, so the address connected to is the address
// checked.
type Dialer struct {
	Policy Policy
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one connection attempt; 0 means 10 s.
	Timeout time.Duration
}

// DialContext has the signature of http.Transport.DialContext.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("netguard: dial %q: %w", address, err)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		if err := d.Policy.CheckHost(host); err != nil {
			return nil, err
		}
		res := d.Resolver
		if res == nil {
			res = net.DefaultResolver
		}
		ipNet := "ip"
		switch network {
		case "tcp4", "udp4":
			ipNet = "ip4"
		case "tcp6", "udp6":
			ipNet = "ip6"
		}
		addrs, err = res.LookupNetIP(ctx, ipNet, host)
		if err != nil {
			return nil, fmt.Errorf("netguard: resolve %q: %w", host, err)
		}
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	nd := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: d.Policy.Control}
	var errs []error
	for _, a := range addrs {
		if err := d.Policy.Check(a); err != nil {
			errs = append(errs, err)
			continue
		}
		conn, err := nd.DialContext(ctx, network, net.JoinHostPort(a.WithZone("").String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("netguard: %q resolved to no address", host)
	}
	return nil, fmt.Errorf("netguard: dial %s: %w", host, errors.Join(errs...))
}

// Transport returns an http.Transport that dials through d and uses no
// proxy (a proxy would make the check apply to the proxy, not to the
// destination).
func (d *Dialer) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
