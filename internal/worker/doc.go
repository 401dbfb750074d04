// Package worker is the task consumer (the seeds' poseidon): a template
// method in which every task goes receive → load → download the original →
// process → store the outputs → record the result and timings → publish the
// event → enqueue the callback → ack. Only "process" varies: it is the
// Processor interface, the seam later capabilities (face analysis, video,
// external processors) plug into.
//
// Failures are classified: bad input (invalid_argument, unsupported_media,
// too_large, a deleted asset) is permanent and makes the task dead at once;
// anything else is retried with growing delays (Nak with delay) until the
// queue's MaxDeliver, after which the task is dead with a dead-letter record
// and its message is removed from the queue. A long step keeps its message
// with InProgress heartbeats; a worker that dies loses its messages to
// another worker after AckWait.
package worker
