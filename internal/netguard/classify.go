package netguard

import (
	"fmt"
	"net/netip"
)

// Verdict is the classification of one address.
type Verdict struct {
	Class Class
	// Range names the registry entry that decided, e.g. "private (RFC 1918)";
	// empty for Public.
	Range string
	// Embedded is the IPv4 address judged instead of an IPv4-mapped,
	// IPv4-compatible or NAT64 IPv6 address; invalid otherwise.
	Embedded netip.Addr
}

// String describes the verdict for an error message.
func (v Verdict) String() string {
	s := v.Class.String()
	if v.Range != "" {
		s = v.Range
	}
	if v.Embedded.IsValid() {
		s += fmt.Sprintf(" (embeds %s)", v.Embedded)
	}
	return s
}

// Classify sorts a by the special-purpose registries. The zone of an IPv6
// address is ignored; an invalid address is Special.
func Classify(a netip.Addr) Verdict {
	if !a.IsValid() {
		return Verdict{Class: Special, Range: "invalid address"}
	}
	a = a.WithZone("")
	if a.Is4() {
		return classify4(a)
	}
	var embedded netip.Addr
	switch {
	case ipv4Mapped.Contains(a):
		embedded = a.Unmap()
	case nat64.Contains(a):
		embedded = last32(a)
	case ipv4Compatible.Contains(a) && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
		embedded = last32(a)
	}
	if embedded.IsValid() {
		v := classify4(embedded)
		v.Embedded = embedded
		return v
	}
	for _, s := range ipv6Spans {
		if s.prefix.Contains(a) {
			return Verdict{Class: s.class, Range: s.name}
		}
	}
	if !globalUnicast.Contains(a) {
		return Verdict{Class: Special, Range: "reserved, outside global unicast 2000::/3 (RFC 4291)"}
	}
	return Verdict{Class: Public}
}

func classify4(a netip.Addr) Verdict {
	for _, s := range ipv4Spans {
		if s.prefix.Contains(a) {
			return Verdict{Class: s.class, Range: s.name}
		}
	}
	return Verdict{Class: Public}
}

// last32 returns the IPv4 address in the last 32 bits of a.
func last32(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:16]))
}
