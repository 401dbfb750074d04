// Package s3 is an easel.BlobStore on any S3-compatible server (AWS S3,
// versitygw, MinIO, Ceph RGW, cloud vendors' S3 endpoints), built on
// aws-sdk-go-v2's service/s3 client.
//
// A key k is stored as the object Prefix+k in Bucket. Puts stream: a blob
// smaller than PartSize is sent with one PutObject, a larger one as a
// multipart upload of PartSize parts read one at a time from the reader, so a
// Put holds at most one part in memory. A failed or cancelled multipart
// upload is aborted, so nothing partial becomes visible. Every request has
// its own timeout (Config.Timeout) and is retried with exponential backoff
// on transient errors (connection failures, 5xx, throttling).
//
// New checks the credentials and the bucket with Ping and names the setting
// at fault (blob.s3.access_key, blob.s3.bucket, ...) when one is wrong.
//
// Store also implements blob.RangeReader (HTTP Range requests).
package s3
