package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// embeddedQueueEnv makes `easel serve` expose its embedded NATS on a port of
// 127.0.0.1 and returns the variable with the server's URL.
func embeddedQueueEnv(t *testing.T) (env, url string) {
	port := strconv.Itoa(freePort(t))
	return "EASEL_QUEUE_EMBEDDED_PORT=" + port, "nats://127.0.0.1:" + port
}

// streamState reports how many messages a JetStream stream holds, and how
// many of them have subjects ending in suffix ("" counts none).
func streamState(t *testing.T, url, stream, suffix string) (msgs, matching uint64) {
	t.Helper()
	nc, err := nats.Connect(url)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	require.NoError(t, err)
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(">"))
	require.NoError(t, err)
	for subject, n := range info.State.Subjects {
		if suffix != "" && strings.HasSuffix(subject, suffix) {
			matching += n
		}
	}
	return info.State.Msgs, matching
}

// waitStreamEmpty waits until a work-queue stream holds no message: every
// message was acknowledged or terminated, so none can be delivered again.
func waitStreamEmpty(t *testing.T, url, stream string, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		msgs, _ := streamState(t, url, stream, "")
		return msgs == 0
	}, within, 20*time.Millisecond, "%s still holds messages", stream)
}
