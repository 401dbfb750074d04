// Package nats implements easel.Queue on NATS JetStream.
//
// One Queue holds three streams, all named after Config.Prefix (default
// "easel"):
//
//	EASEL_TASKS      work queue  easel.tasks.<region>.<kind>
//	EASEL_EVENTS     limits      easel.events.<tenant>.<task>.<type>
//	EASEL_CALLBACKS  work queue  easel.callbacks.<tenant>
//
// Each work queue has one durable pull consumer that every worker process
// shares, with explicit acks, Config.AckWait and Config.MaxDeliver. Events
// are stored for Config.EventsMaxAge so that any NATS client may read them;
// SubscribeEvents follows them live over a core NATS subscription.
//
// With an empty Config.URL, Open starts a nats-server in the process
// (JetStream files under Config.EmbeddedDir) and connects to it without a
// socket; Close stops it. With a URL, Open connects to an external server or
// cluster and reconnects forever (every 0.5s to 1.5s): while the connection
// is down calls fail with "queue unavailable", and work again once a server
// is back, recreating streams and consumers that a server started with a
// fresh store has lost.
//
// On a cluster, Config.URL lists several servers (comma-separated) and
// Config.Replicas (3 on three nodes) is how many keep each stream and its
// consumer. A publish retries within Config.RequestTimeout while the client
// fails over to another server or the stream elects a new leader (4 to 9s
// after its leader died); a retry carries the same Nats-Msg-Id, so the
// stream keeps one copy.
//
// Only features of nats-server 2.9 are used (single-filter consumers, Nak
// with delay, message de-duplication), so Debian's server works as an
// external one.
package nats
