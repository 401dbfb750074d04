package app

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

// TestStreamRequests: a NATS client, alone on a real nats-server, publishes
// requests on easel.requests.<tenant> and reads their events: a render
// request is received and succeeds with its outputs on the succeeded
// event; the same request ID again makes no second task; a bad request and
// an unknown tenant are rejected with stable codes.
func TestStreamRequests(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	b := start(t, func(c *config.Config) { c.Queue.URL = srv.URL() })
	asset := b.upload(t, noisePNG(t, 5, 64, 48), "?analyze=false")["id"].(string)

	nc, err := nats.Connect(srv.URL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	events := make(chan easel.Event, 256)
	sub, err := nc.Subscribe("easel.events.>", func(m *nats.Msg) {
		var e easel.Event
		if json.Unmarshal(m.Data, &e) == nil {
			events <- e
		}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	replies, err := nc.SubscribeSync("client.replies")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())

	publish := func(subject, body string) {
		t.Helper()
		require.NoError(t, nc.Publish(subject, []byte(body)))
		require.NoError(t, nc.Flush())
	}
	// await returns the first event that match accepts, within two minutes.
	await := func(what string, match func(easel.Event) bool) easel.Event {
		t.Helper()
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case e := <-events:
				if match(e) {
					return e
				}
			case <-timeout:
				t.Fatalf("no %s event", what)
			}
		}
	}

	publish("easel.requests.default", `{"request_id":"req-1","asset_id":"`+asset+`","ops":["w_32,f_png"],"reply":"client.replies","correlation_id":"c-1"}`)
	rcv := await("received", func(e easel.Event) bool { return e.Type == easel.EventReceived && e.RequestID == "req-1" })
	require.Equal(t, "c-1", rcv.CorrelationID)
	require.Equal(t, b.tenant, rcv.TenantID)
	reply, err := replies.NextMsg(time.Minute)
	require.NoError(t, err)
	var replied easel.Event
	require.NoError(t, json.Unmarshal(reply.Data, &replied))
	require.Equal(t, rcv.TaskID, replied.TaskID)

	done := await("succeeded", func(e easel.Event) bool { return e.TaskID == rcv.TaskID && e.Type == easel.EventSucceeded })
	require.Len(t, done.Outputs, 1)
	require.Equal(t, "w_32,f_png", done.Outputs[0].Ops)
	require.Equal(t, 32, done.Outputs[0].Width)
	require.Equal(t, 24, done.Outputs[0].Height)

	// The same request ID (by tenant ID this time): the same task, not a second one.
	publish("easel.requests."+b.tenant, `{"request_id":"req-1","asset_id":"`+asset+`","ops":["w_32,f_png"]}`)
	again := await("received again", func(e easel.Event) bool { return e.Type == easel.EventReceived && e.RequestID == "req-1" })
	require.Equal(t, rcv.TaskID, again.TaskID)
	v, err := b.app.Tasks.Get(t.Context(), b.tenant, rcv.TaskID)
	require.NoError(t, err)
	require.Equal(t, 1, v.Attempts, "processed once")

	for _, c := range []struct {
		name, subject, body string
		code                easel.Code
	}{
		{"bad ops", "easel.requests.default", `{"request_id":"req-2","asset_id":"` + asset + `","ops":["w_0"]}`, easel.CodeInvalidArgument},
		{"unknown field", "easel.requests.default", `{"request_id":"req-3","asset":"x"}`, easel.CodeInvalidArgument},
		{"missing asset", "easel.requests.default", `{"request_id":"req-4","asset_id":"` + easel.NewID() + `","ops":["w_10"]}`, easel.CodeNotFound},
		{"unknown flow", "easel.requests.default", `{"request_id":"req-5","asset_id":"` + asset + `","flow":"nope"}`, easel.CodeNotFound},
		{"unknown tenant", "easel.requests.nosuchtenant", `{"request_id":"req-6","asset_id":"` + asset + `","ops":["w_10"]}`, easel.CodeNotFound},
	} {
		publish(c.subject, c.body)
		e := await(c.name+" rejected", func(e easel.Event) bool {
			return e.Type == easel.EventRejected && e.RequestID != "" && e.RequestID == requestIDOf(c.body)
		})
		require.NotNil(t, e.Error, c.name)
		require.Equal(t, c.code, e.Error.Code, "%s: %s", c.name, e.Error.Message)
	}
}

func requestIDOf(body string) string {
	var v struct {
		RequestID string `json:"request_id"`
	}
	_ = json.Unmarshal([]byte(body), &v)
	return v.RequestID
}
