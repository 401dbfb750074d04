// Package relay publishes the task events of an easel.EventOutbox to the
// events stream: the events outbox.
//
// A TaskStore that is an EventOutbox commits every task event in the same
// transaction as the state change it tells of. A Relay reads those rows in
// commit order, publishes them with the event's ID as the de-duplication ID
// (the stream drops a copy published again within its window; consumers
// de-duplicate by the ID in the payload), and removes them from the outbox
// only once the stream has acknowledged them. While the queue is down the
// rows wait and the relay retries with a growing delay, so every state
// change is published at least once, however long the outage.
//
// A relay runs in every process that changes task states (easel serve,
// api and worker): it is woken by its own store as soon as events are
// committed, so events leave within milliseconds, and it polls in case
// another process died before relaying its own. Fresh events of other
// processes are left to them for TakeoverAge, so two relays rarely publish
// the same event; when they do, the IDs make it harmless.
//
// A task's events are published in order by one goroutine; different tasks'
// in parallel. After a failed publish the task's later events of the pass
// wait for the next pass, so a task's events reach the stream in the order
// of its state changes unless two processes relay events of the same task
// at once.
package relay
