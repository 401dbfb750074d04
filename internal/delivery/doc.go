// Package delivery is the use case behind delivery URLs
// (/i/{signature}/{operations}/{asset}): parse, verify the signature against
// the live keys, answer from the memory cache, the stored variants, or a
// render shared by identical concurrent requests, bounded by a limiter and a
// deadline. It knows nothing of HTTP.
package delivery
