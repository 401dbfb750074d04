// Package retention deletes what a tenant's retention policy says has
// expired: assets older than retention.originals (their original, levels
// and variants, as an asset delete does) and stored variants older than
// retention.variants (they render again on demand).
//
// The Janitor runs in `easel serve` and `easel worker`; a lease row in the
// metadata lets one node at a time work. It deletes in batches and
// journals each batch before touching it (the retention_log table): a
// janitor stopped midway finishes the journalled items first on its next
// run, and every step is idempotent, so nothing is lost and nothing is
// deleted twice to harm. The journal is also the record of what was
// removed.
package retention
