package netguard

import "net/netip"

// Class is what an address is, as far as connecting to it is concerned.
type Class int

// Classes, from the most to the least reachable.
const (
	// Public is a global unicast address that is not special-purpose.
	Public Class = iota
	// Loopback is the host itself (127/8, ::1).
	Loopback
	// Private is reachable only inside a site: RFC 1918, unique local
	// fc00::/7, site-local fec0::/10, link-local, CGNAT 100.64/10 and the
	// local-use NAT64 prefix.
	Private
	// Special is every other special-purpose, reserved, multicast,
	// broadcast, documentation or unspecified address: never a destination.
	Special
)

// String returns the class name.
func (c Class) String() string {
	switch c {
	case Public:
		return "public"
	case Loopback:
		return "loopback"
	case Private:
		return "private"
	}
	return "special-purpose"
}

// span is one entry of the registries: a prefix, its class and its name.
type span struct {
	prefix netip.Prefix
	class  Class
	name   string
}

func r(p string, c Class, name string) span {
	return span{netip.MustParsePrefix(p), c, name}
}

// ipv4Spans is the IANA IPv4 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv4-special-registry/), plus
// multicast (224/4) and limited broadcast. More specific entries come first.
var ipv4Spans = []span{
	r("0.0.0.0/8", Special, "this network (RFC 791)"),
	r("10.0.0.0/8", Private, "private (RFC 1918)"),
	r("100.64.0.0/10", Private, "shared address space, CGNAT (RFC 6598)"),
	r("127.0.0.0/8", Loopback, "loopback (RFC 1122)"),
	r("169.254.0.0/16", Private, "link-local (RFC 3927)"),
	r("172.16.0.0/12", Private, "private (RFC 1918)"),
	r("192.0.0.0/24", Special, "IETF protocol assignments (RFC 6890)"),
	r("192.0.2.0/24", Special, "documentation TEST-NET-1 (RFC 5737)"),
	r("192.31.196.0/24", Special, "AS112-v4 (RFC 7535)"),
	r("192.52.193.0/24", Special, "AMT (RFC 7450)"),
	r("192.88.99.0/24", Special, "deprecated 6to4 relay anycast (RFC 7526)"),
	r("192.168.0.0/16", Private, "private (RFC 1918)"),
	r("192.175.48.0/24", Special, "direct delegation AS112 service (RFC 7534)"),
	r("198.18.0.0/15", Special, "benchmarking (RFC 2544)"),
	r("198.51.100.0/24", Special, "documentation TEST-NET-2 (RFC 5737)"),
	r("203.0.113.0/24", Special, "documentation TEST-NET-3 (RFC 5737)"),
	r("224.0.0.0/4", Special, "multicast (RFC 5771)"),
	r("255.255.255.255/32", Special, "limited broadcast (RFC 919)"),
	r("240.0.0.0/4", Special, "reserved (RFC 1112)"),
}

// ipv6Spans is the IANA IPv6 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv6-special-registry/), plus
// site-local and multicast. Forms that embed an IPv4 address (::ffff:0:0/96,
// ::/96, 64:ff9b::/96) are handled before this table; addresses outside
// 2000::/3 that match nothing here are reserved.
var ipv6Spans = []span{
	r("::/128", Special, "unspecified (RFC 4291)"),
	r("::1/128", Loopback, "loopback (RFC 4291)"),
	r("64:ff9b:1::/48", Private, "local-use IPv4/IPv6 translation (RFC 8215)"),
	r("100::/64", Special, "discard-only (RFC 6666)"),
	r("100:0:0:1::/64", Special, "dummy IPv6 prefix (RFC 9780)"),
	r("2001::/32", Special, "Teredo (RFC 4380)"),
	r("2001:2::/48", Special, "benchmarking (RFC 5180)"),
	r("2001:10::/28", Special, "deprecated ORCHID (RFC 4843)"),
	r("2001:20::/28", Special, "ORCHIDv2 (RFC 7343)"),
	r("2001:30::/28", Special, "drone remote ID DETs (RFC 9374)"),
	r("2001::/23", Special, "IETF protocol assignments (RFC 2928)"),
	r("2001:db8::/32", Special, "documentation (RFC 3849)"),
	r("2002::/16", Special, "6to4 (RFC 3056)"),
	r("2620:4f:8000::/48", Special, "direct delegation AS112 service (RFC 7534)"),
	r("3fff::/20", Special, "documentation (RFC 9637)"),
	r("5f00::/16", Special, "segment routing SIDs (RFC 9602)"),
	r("fc00::/7", Private, "unique local (RFC 4193)"),
	r("fe80::/10", Private, "link-local (RFC 4291)"),
	r("fec0::/10", Private, "deprecated site-local (RFC 3879)"),
	r("ff00::/8", Special, "multicast (RFC 4291)"),
}

// Prefixes that embed an IPv4 address in their last 32 bits.
var (
	ipv4Mapped     = netip.MustParsePrefix("::ffff:0:0/96")
	ipv4Compatible = netip.MustParsePrefix("::/96")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	globalUnicast  = netip.MustParsePrefix("2000::/3")
)
