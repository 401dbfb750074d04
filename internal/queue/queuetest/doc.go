// Package queuetest is the conformance suite of easel.Queue, and helpers
// that run real nats-server processes for tests that stop and restart NATS:
// StartServer (one server, Debian's) and StartCluster (a three-node
// JetStream cluster of nats-server v2.15, built by `make nats-server`).
//
// A backend's test calls Run with a function that opens an isolated queue
// configured for the test:
//
//	func TestQueue(t *testing.T) {
//		queuetest.Run(t, func(t *testing.T, o queuetest.Options) (easel.Queue, func() easel.Queue) {
//			...
//		})
//	}
package queuetest
