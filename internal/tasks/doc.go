// Package tasks is the use case of asynchronous work: submitting a task
// (Tasks.Submit) or a batch (Batches.Submit), reading them, retrying a dead
// task, and the outbox relay that publishes tasks the queue missed. It also
// defines the task view, the one JSON form of a task shown by the API and
// sent in callback payloads. It knows nothing of HTTP.
package tasks
