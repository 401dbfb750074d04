// Package failover is an easel.BlobStore over two origins, a primary and a
// secondary (any backends), kept in sync.
//
// Writes go to the primary; when it fails or takes longer than
// Config.PrimaryTimeout they go to the secondary, and the key is recorded in
// the journal as to be copied to the primary. Reads try the primary, then the
// secondary. A Delete removes the blob from both; a side that could not be
// reached is recorded in the journal and hidden from reads until the
// reconciler has removed it there too.
//
// The Reconciler first replays the journal, then walks both origins in key
// order and copies to each side what only the other has. It keeps its
// position (a cursor) in the journal, so a pass interrupted by a crash goes
// on where it stopped; every step is idempotent. Its counters are read with
// Stats, or exposed to Prometheus through Collector, on whatever registry the
// caller owns.
//
// The journal is a local file: a process records only what it did itself,
// and the walk finds everything else.
package failover
