// Package imgproxy reads imgproxy URLs into easel's transform.Options, so an
// /imgproxy/ endpoint renders them with easel's one planner and engine.
//
// The grammar is imgproxy's
// (https://docs.imgproxy.net/usage/processing):
//
//	/{signature}/{option}/{option}/.../plain/{source URL}[@{extension}]
//	/{signature}/{option}/{option}/.../{base64url source URL, may be split by /}[.{extension}]
//
// where an option is name:arg1:arg2. The signature
// (https://docs.imgproxy.net/usage/signing_url) is the URL-safe base64,
// without padding, of HMAC-SHA256 under a key of salt + the path after the
// signature (leading "/" included), truncated to Config.SignatureSize bytes;
// several key/salt pairs may be configured, hex-encoded as imgproxy takes
// them. "insecure" or "unsafe" instead of a signature is refused unless
// Config.AllowUnsafe.
//
// What easel cannot do exactly is an invalid_argument error naming the
// option, never an approximation; docs/compat.md lists the differences.
package imgproxy
