// Package netguard decides which network addresses easel may connect to on
// behalf of a client: callback URLs, remote image sources, compat endpoints.
//
// [Classify] sorts an address by the IANA special-purpose address registries
// (IPv4 and IPv6), the multicast ranges and the reserved space outside
// 2000::/3, judging IPv4 addresses hidden in IPv6 forms (IPv4-mapped,
// IPv4-compatible, the NAT64 well-known prefix) by the IPv4 address they
// embed. A [Policy] turns the class into a yes or no: public addresses are
// allowed, loopback and private ones only when the policy says so, and every
// other special-purpose address never.
//
// The check must run when dialling, after DNS resolution, on the address the
// socket connects to: [Policy.Control] is a net.Dialer.Control function, and
// [Dialer] resolves names itself (through an injectable [Resolver]), checks
// every address and dials only allowed ones, so a name that resolves to a
// private address (DNS rebinding) fails however often it is looked up.
// [Policy.CheckRedirect] re-checks every redirect target before it is
// followed.
package netguard
