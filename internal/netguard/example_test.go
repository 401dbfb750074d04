package netguard_test

import (
	"fmt"
	"net/netip"

	"github.com/easelhq/easel/internal/netguard"
)

func ExampleClassify() {
	for _, a := range []string{"8.8.8.8", "169.254.169.254", "::ffff:127.0.0.1", "2002:c0a8:101::1", "198.18.0.1"} {
		fmt.Println(a, "->", netguard.Classify(netip.MustParseAddr(a)))
	}
	// Output:
	// 8.8.8.8 -> public
	// 169.254.169.254 -> link-local (RFC 3927)
	// ::ffff:127.0.0.1 -> loopback (RFC 1122) (embeds 127.0.0.1)
	// 2002:c0a8:101::1 -> 6to4 (RFC 3056)
	// 198.18.0.1 -> benchmarking (RFC 2544)
}
