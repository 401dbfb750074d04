// Package queuetest is the conformance suite of easel.Queue, and a helper
// that runs a real nats-server process for tests that stop and restart NATS.
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
