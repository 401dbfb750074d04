package netguard_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/netguard"
)

const (
	public   = netguard.Public
	loopback = netguard.Loopback
	private  = netguard.Private
	special  = netguard.Special
)

// TestClassify has, for every range of the IANA special-purpose registries,
// its first and last address and the addresses just outside it. rng, when
// set, must appear in the name of the deciding entry (for neighbours of the
// same class).
//
// Registries: https://www.iana.org/assignments/iana-ipv4-special-registry/
// and https://www.iana.org/assignments/iana-ipv6-special-registry/.
func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr  string
		class netguard.Class
		rng   string
	}{
		// IPv4.
		{"8.8.8.8", public, ""},
		{"1.1.1.1", public, ""},
		{"0.0.0.0", special, "this network"},
		{"0.255.255.255", special, "this network"},
		{"1.0.0.0", public, ""},
		{"9.255.255.255", public, ""},
		{"10.0.0.0", private, "1918"},
		{"10.255.255.255", private, "1918"},
		{"11.0.0.0", public, ""},
		{"100.63.255.255", public, ""},
		{"100.64.0.0", private, "CGNAT"},
		{"100.127.255.255", private, "CGNAT"},
		{"100.128.0.0", public, ""},
		{"126.255.255.255", public, ""},
		{"127.0.0.0", loopback, ""},
		{"127.255.255.255", loopback, ""},
		{"128.0.0.0", public, ""},
		{"169.253.255.255", public, ""},
		{"169.254.0.0", private, "link-local"},
		{"169.254.169.254", private, "link-local"},
		{"169.254.255.255", private, "link-local"},
		{"169.255.0.0", public, ""},
		{"172.15.255.255", public, ""},
		{"172.16.0.0", private, "1918"},
		{"172.31.255.255", private, "1918"},
		{"172.32.0.0", public, ""},
		{"191.255.255.255", public, ""},
		{"192.0.0.0", special, "IETF protocol"},
		{"192.0.0.170", special, "IETF protocol"},
		{"192.0.0.255", special, "IETF protocol"},
		{"192.0.1.0", public, ""},
		{"192.0.1.255", public, ""},
		{"192.0.2.0", special, "TEST-NET-1"},
		{"192.0.2.255", special, "TEST-NET-1"},
		{"192.0.3.0", public, ""},
		{"192.31.195.255", public, ""},
		{"192.31.196.0", special, "AS112"},
		{"192.31.196.255", special, "AS112"},
		{"192.31.197.0", public, ""},
		{"192.52.192.255", public, ""},
		{"192.52.193.0", special, "AMT"},
		{"192.52.193.255", special, "AMT"},
		{"192.52.194.0", public, ""},
		{"192.88.98.255", public, ""},
		{"192.88.99.0", special, "6to4 relay"},
		{"192.88.99.255", special, "6to4 relay"},
		{"192.88.100.0", public, ""},
		{"192.167.255.255", public, ""},
		{"192.168.0.0", private, "1918"},
		{"192.168.255.255", private, "1918"},
		{"192.169.0.0", public, ""},
		{"192.175.47.255", public, ""},
		{"192.175.48.0", special, "AS112"},
		{"192.175.48.255", special, "AS112"},
		{"192.175.49.0", public, ""},
		{"198.17.255.255", public, ""},
		{"198.18.0.0", special, "benchmarking"},
		{"198.19.255.255", special, "benchmarking"},
		{"198.20.0.0", public, ""},
		{"198.51.99.255", public, ""},
		{"198.51.100.0", special, "TEST-NET-2"},
		{"198.51.100.255", special, "TEST-NET-2"},
		{"198.51.101.0", public, ""},
		{"203.0.112.255", public, ""},
		{"203.0.113.0", special, "TEST-NET-3"},
		{"203.0.113.255", special, "TEST-NET-3"},
		{"203.0.114.0", public, ""},
		{"223.255.255.255", public, ""},
		{"224.0.0.0", special, "multicast"},
		{"239.255.255.255", special, "multicast"},
		{"240.0.0.0", special, "reserved"},
		{"255.255.255.254", special, "reserved"},
		{"255.255.255.255", special, "broadcast"},

		// IPv6, plain ranges.
		{"2606:4700:4700::1111", public, ""},
		{"::", special, "unspecified"},
		{"::1", loopback, ""},
		{"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "outside global unicast"},
		{"2000::", public, ""},
		{"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public, ""},
		{"4000::", special, "outside global unicast"},
		{"100::", special, "discard-only"},
		{"100::ffff:ffff:ffff:ffff", special, "discard-only"},
		{"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "outside global unicast"},
		{"100:0:0:1::", special, "dummy"},
		{"100:0:0:1:ffff:ffff:ffff:ffff", special, "dummy"},
		{"100:0:0:2::", special, "outside global unicast"},
		{"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public, ""},
		{"2001::", special, "Teredo"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", special, "Teredo"},
		{"2001:0:ffff:ffff:ffff:ffff:ffff:ffff", special, "Teredo"},
		{"2001:1::", special, "IETF protocol"},
		{"2001:1::1", special, "IETF protocol"},
		{"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", special, "IETF protocol"},
		{"2001:200::", public, ""},
		{"2001:1:ffff:ffff:ffff:ffff:ffff:ffff", special, "IETF protocol"},
		{"2001:2::", special, "benchmarking"},
		{"2001:2:0:ffff:ffff:ffff:ffff:ffff", special, "benchmarking"},
		{"2001:2:1::", special, "IETF protocol"},
		{"2001:f:ffff:ffff:ffff:ffff:ffff:ffff", special, "IETF protocol"},
		{"2001:10::", special, "deprecated ORCHID"},
		{"2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", special, "deprecated ORCHID"},
		{"2001:20::", special, "ORCHIDv2"},
		{"2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", special, "ORCHIDv2"},
		{"2001:30::", special, "drone"},
		{"2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", special, "drone"},
		{"2001:40::", special, "IETF protocol"},
		{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", public, ""},
		{"2001:db8::", special, "documentation"},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", special, "documentation"},
		{"2001:db9::", public, ""},
		{"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public, ""},
		{"2002::", special, "6to4"},
		{"2002:c0a8:101::1", special, "6to4"}, // 6to4 of 192.168.1.1
		{"2002:808:808::1", special, "6to4"},  // 6to4 of 8.8.8.8: a tunnel all the same
		{"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "6to4"},
		{"2003::", public, ""},
		{"2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", public, ""},
		{"2620:4f:8000::", special, "AS112"},
		{"2620:4f:8000:ffff:ffff:ffff:ffff:ffff", special, "AS112"},
		{"2620:4f:8001::", public, ""},
		{"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", public, ""},
		{"3fff::", special, "documentation"},
		{"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", special, "documentation"},
		{"3fff:1000::", public, ""},
		{"5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "outside global unicast"},
		{"5f00::", special, "segment routing"},
		{"5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "segment routing"},
		{"5f01::", special, "outside global unicast"},
		{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "outside global unicast"},
		{"fc00::", private, "unique local"},
		{"fd12:3456::1", private, "unique local"},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", private, "unique local"},
		{"fe00::", special, "outside global unicast"},
		{"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "outside global unicast"},
		{"fe80::", private, "link-local"},
		{"fe80::1%eth0", private, "link-local"},
		{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", private, "link-local"},
		{"fec0::", private, "site-local"},
		{"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", private, "site-local"},
		{"ff00::", special, "multicast"},
		{"ff02::1", special, "multicast"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", special, "multicast"},

		// IPv6 forms that embed an IPv4 address are judged by it.
		{"::ffff:0.0.0.0", special, "this network"},
		{"::ffff:8.8.8.8", public, ""},
		{"::ffff:127.0.0.1", loopback, ""},
		{"::ffff:10.0.0.1", private, "1918"},
		{"::ffff:169.254.169.254", private, "link-local"},
		{"::ffff:198.18.0.1", special, "benchmarking"},
		{"::ffff:255.255.255.255", special, "broadcast"},
		{"::fffe:ffff:ffff", special, "outside global unicast"}, // just below ::ffff:0:0/96, past ::/96
		{"::2", special, "this network"},                        // IPv4-compatible 0.0.0.2
		{"::127.0.0.1", loopback, ""},
		{"::10.0.0.1", private, "1918"},
		{"::100.64.0.1", private, "CGNAT"},
		{"::192.0.0.8", special, "IETF protocol"},
		{"::8.8.8.8", public, ""},
		{"::255.255.255.255", special, "broadcast"},
		{"::1:0:0", special, "outside global unicast"}, // just past ::/96
		{"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", special, "outside global unicast"},
		{"64:ff9b::", special, "this network"},
		{"64:ff9b::7f00:1", loopback, ""},
		{"64:ff9b::a9fe:a9fe", private, "link-local"}, // NAT64 of 169.254.169.254
		{"64:ff9b::c000:201", special, "TEST-NET-1"},
		{"64:ff9b::5db8:d70e", public, ""}, // NAT64 of 93.184.215.14
		{"64:ff9b::1:0:0", special, "outside global unicast"},
		{"64:ff9b:0:ffff:ffff:ffff:ffff:ffff", special, "outside global unicast"},
		{"64:ff9b:1::", private, "local-use"},
		{"64:ff9b:1::808:808", private, "local-use"},
		{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", private, "local-use"},
		{"64:ff9b:2::", special, "outside global unicast"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			v := netguard.Classify(netip.MustParseAddr(tt.addr))
			require.Equal(t, tt.class, v.Class, "verdict %s", v)
			require.Contains(t, v.Range, tt.rng)
			if tt.class == public {
				require.Empty(t, v.Range)
			}
		})
	}
}

func TestClassifyInvalid(t *testing.T) {
	t.Parallel()
	require.Equal(t, netguard.Special, netguard.Classify(netip.Addr{}).Class)
}
