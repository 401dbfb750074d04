// Package fs is an easel.BlobStore that keeps blobs as files under a local
// directory.
//
// A key maps to the file <Dir>/<key>. Keys are validated before they touch
// the file system (see ValidateKey), so a key can never name a file outside
// Dir. Writes go to a temporary file under <Dir>/.tmp, are synced, and are
// then renamed over the target, so readers see either the old blob or the
// new one, never a partial file. The top-level name ".tmp" is therefore
// reserved and cannot be used in keys.
//
// Because blobs are plain files, a key cannot be both a blob and the
// directory of other blobs: with a blob under "a", a Put of "a/b" fails.
//
// Several processes may share one directory.
package fs
