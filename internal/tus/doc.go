// Package tus serves resumable uploads on the tus 1.0 protocol (core,
// creation, creation-with-upload, termination and expiration extensions),
// with github.com/tus/tusd/v2's handler in front of a data store of its own
// that keeps everything in an easel.BlobStore, S3 included:
//
//	uploads/<id>/info.json     the upload's record (tenant, size, offset, parts, expiry, asset)
//	uploads/<id>/part-000000   the bytes of each PATCH, in order
//
// A PATCH appends one part blob, then rewrites the record; a server that
// restarts resumes every upload from the record. Bytes a cut connection
// delivered before it broke are kept, so a client resumes from the last
// byte that arrived (HEAD gives Upload-Offset).
//
// When the last byte arrives, the completion is handed to a CompleteFunc, the
// upload use case's door, with a reader that streams the parts one after
// another; the asset ID it returns is sent as Easel-Asset-Id on the response
// to the completing request, kept in the record, and sent on every later
// HEAD. A CompleteFunc error answers that request (through Config.WriteError,
// so the project's error JSON and status mapping apply). A refusal
// (invalid_argument, unsupported_media, too_large, ...) deletes the upload;
// a failure of the server's (internal, overloaded, deadline_exceeded) keeps
// it, and a PATCH at its end (Upload-Offset = Upload-Length, empty body)
// completes it again.
//
// Every request is authenticated by an AuthFunc, which names the tenant and
// an optional byte cap (an upload token's max_bytes). An upload belongs to
// the tenant that created it; any other tenant gets 404 for it.
//
// Limits: Upload-Length is required (no deferred length) and may not exceed
// Config.MaxSize nor the caller's byte cap (413); Upload-Metadata is capped
// at Config.MaxMetadataBytes (400). A connection that stalls for
// Config.ReadTimeout, or that transfers less than Config.MinRate bytes per
// second once Config.RateGrace has passed, ends its PATCH: the bytes received
// so far are kept and the client may resume.
//
// Expiry: an unfinished upload expires Config.Expiry after its last PATCH
// (Upload-Expires says when); a finished one's record (with its asset ID) is
// kept for Config.Expiry after completion. Expired uploads answer 404 at once
// and the janitor (Handler.Start/Stop) deletes their blobs in batches.
//
// Concurrent PATCHes of one upload are serialized by tusd's in-memory
// locker: that is correct for one process. Several easel processes serving
// the same uploads need sticky routing by upload ID (e.g. hash on the path at
// the load balancer) or a shared tusd locker.
package tus
