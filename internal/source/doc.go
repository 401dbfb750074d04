// Package source fetches original images from named remote origins, safely.
//
// An origin is an http(s) base URL with an allow-list of path prefixes and
// of the tenants that may use it (see Config). [Fetcher.Fetch] takes a
// tenant, an origin name and a path below the origin's URL and returns the
// image bytes:
//
//  1. Resolve checks the tenant and the path: no "." or ".." segment, no
//     encoded slash or backslash, no second round of percent-encoding, no
//     scheme or host of its own, and under one of the origin's prefixes;
//  2. identical concurrent fetches share one request (and are cancelled
//     when every caller has gone);
//  3. a cached copy younger than Config.RevalidateAfter is returned as is;
//     an older one is revalidated with If-None-Match / If-Modified-Since,
//     and a 304 keeps it;
//  4. the request goes through a netguard.Dialer: the address is checked
//     after DNS resolution, when dialling, and again for every redirect (at
//     most Config.MaxRedirects); only http and https; no proxy;
//  5. the body is read up to Config.MaxBytes within Config.Timeout, and its
//     type is sniffed from the bytes: anything but an image easel reads is
//     refused with easel.CodeUnsupportedMedia.
//
// [Fetcher.Match] maps a full URL (a thumbor or imgproxy source URL) to the
// origin and path it falls inside, so compat endpoints fetch nothing that
// a source does not allow.
package source
