// Package blob holds what every easel.BlobStore backend shares: the rules for
// keys (ValidateKey) and the optional capabilities a backend may offer beyond
// the easel.BlobStore contract, checked at run time (RangeReader).
//
// The backends live in subpackages: fs (a local directory), s3 (any
// S3-compatible server) and failover (two origins kept in sync). Each passes
// the conformance suite in blobtest.
package blob
