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
// cluster and reconnects forever: while the connection is down every call
// fails at once with "queue unavailable", and works again once the server is
// back, recreating streams and consumers that a server started with a fresh
// store has lost.
//
// Only features of nats-server 2.9 are used (single-filter consumers, Nak
// with delay, message de-duplication), so Debian's server works as an
// external one.
package nats
