// Package reports is the client report channel: apps send what they
// measured of each effect (upload, wait and download times, bytes, network,
// the stage that failed) in batches; Reports.Submit validates a batch whole,
// aggregates it per minute and group into counts, sums and logarithmic
// buckets, and adds those to the store; Reports.Stats reads them back as
// p50/p95/p99 and failure rates per group, with per-minute series.
//
// The buckets (Bucket) split every doubling of milliseconds into eight, so
// a percentile read from them is within 4.5% of the true value.
package reports
