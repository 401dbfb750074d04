package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/queue/queuetest"
	"github.com/easelhq/easel/internal/telemetry/otlptest"
)

// TestTraceOfOneUpload uploads with operations and a callback, collects the
// spans in process, and checks that one trace holds the request, the task's
// publish and delivery on the queue, the worker's stages with the render,
// and the callback's publish, delivery and POST, each under the right
// parent: on the embedded queue and on a nats-server process.
func TestTraceOfOneUpload(t *testing.T) {
	for _, tt := range []struct {
		name     string
		external bool
	}{{"embedded", false}, {"nats-server", true}} {
		t.Run(tt.name, func(t *testing.T) {
			var hooks atomic.Int32
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				hooks.Add(1)
			}))
			t.Cleanup(hook.Close)
			rec := tracetest.NewSpanRecorder()
			b := start(t, func(c *config.Config) {
				c.Callbacks.AllowLoopback = true
				if tt.external {
					c.Queue.URL = queuetest.StartServer(t).URL()
				}
			}, WithSpanProcessor(rec))

			resp, out := b.do(t, "POST", "/v1/assets?ops=w_32,e_grayscale,f_png&wait=20s&callback_url="+url.QueryEscape(hook.URL+"/hook"),
				bytes.NewReader(noisePNG(t, 3, 64, 48)))
			require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
			var res struct {
				Task struct{ State string } `json:"task"`
			}
			require.NoError(t, json.Unmarshal(out, &res))
			require.Equal(t, "succeeded", res.Task.State, string(out))

			// Spans end in any order across the workers: wait until the
			// callback's span has ended and every span of the trace has its
			// parent (the request's span ends just after its answer).
			var root sdktrace.ReadOnlySpan
			tr := map[trace.SpanID]sdktrace.ReadOnlySpan{}
			require.Eventually(t, func() bool {
				spans := rec.Ended()
				root, tr = nil, map[trace.SpanID]sdktrace.ReadOnlySpan{}
				for _, s := range spans {
					if s.Name() == "POST /v1/assets" {
						root = s
					}
				}
				if root == nil {
					return false
				}
				for _, s := range spans {
					if s.SpanContext().TraceID() == root.SpanContext().TraceID() {
						tr[s.SpanContext().SpanID()] = s
					}
				}
				for _, s := range tr {
					if _, ok := tr[s.Parent().SpanID()]; !ok && s != root {
						return false
					}
				}
				return hasName(tr, "webhook.deliver") && hasName(tr, "task analyze") && hasName(tr, "task levels")
			}, 20*time.Second, 20*time.Millisecond, "spans: %v", names(rec.Ended()))
			require.EqualValues(t, 1, hooks.Load())
			require.False(t, root.Parent().IsValid(), "the request span is the root")
			require.Equal(t, trace.SpanKindServer, root.SpanKind())
			require.Contains(t, root.Attributes(), attrInt("http.response.status_code", http.StatusOK))
			// Every span of the trace descends from the request.
			for _, s := range tr {
				for p := s; p != root; {
					parent, ok := tr[p.Parent().SpanID()]
					require.True(t, ok, "span %q has a parent outside the trace", p.Name())
					p = parent
				}
			}

			// The render task's chain, from the request to the callback's POST.
			chain := []string{"POST /v1/assets", "publish tasks", "process tasks", "task render", "task.process", "render"}
			leaf := findChain(t, tr, root, chain)
			require.Contains(t, leaf.Attributes(), attrString("easel.ops", "w_32,e_grayscale,f_png"))
			require.Contains(t, leaf.Attributes(), attrStrings("easel.effects", "w", "e_grayscale", "f"))
			task0 := findChain(t, tr, root, chain[:4])
			for _, stage := range []string{"task.receive", "task.download", "task.process", "task.store", "task.callback"} {
				require.True(t, hasChild(tr, task0, stage), "task render has no %s span", stage)
			}
			findChain(t, tr, root, append(chain[:4:4], "task.callback", "publish callbacks", "process callbacks", "webhook.deliver"))
			// Consumer spans are parented by the producer spans through the message headers.
			for _, s := range tr {
				if strings.HasPrefix(s.Name(), "process ") {
					require.Equal(t, trace.SpanKindConsumer, s.SpanKind())
					require.Equal(t, trace.SpanKindProducer, tr[s.Parent().SpanID()].SpanKind(), s.Name())
				}
			}
		})
	}
}

// findChain follows names from root down, each a child of the one before,
// and returns the last span.
func findChain(t *testing.T, tr map[trace.SpanID]sdktrace.ReadOnlySpan, root sdktrace.ReadOnlySpan, chain []string) sdktrace.ReadOnlySpan {
	t.Helper()
	require.Equal(t, chain[0], root.Name())
	cur := []sdktrace.ReadOnlySpan{root}
	for _, name := range chain[1:] {
		var next []sdktrace.ReadOnlySpan
		for _, s := range tr {
			if s.Name() == name && slices.ContainsFunc(cur, func(p sdktrace.ReadOnlySpan) bool { return s.Parent().SpanID() == p.SpanContext().SpanID() }) {
				next = append(next, s)
			}
		}
		require.NotEmpty(t, next, "no %q span under %v", name, cur[0].Name())
		cur = next
	}
	// The render task's chain: the one whose task span has a render.
	return cur[0]
}

func hasChild(tr map[trace.SpanID]sdktrace.ReadOnlySpan, parent sdktrace.ReadOnlySpan, name string) bool {
	for _, s := range tr {
		if s.Name() == name && s.Parent().SpanID() == parent.SpanContext().SpanID() {
			return true
		}
	}
	return false
}

func hasName(tr map[trace.SpanID]sdktrace.ReadOnlySpan, name string) bool {
	for _, s := range tr {
		if s.Name() == name {
			return true
		}
	}
	return false
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name()
	}
	return out
}

func attrInt(k string, v int) attribute.KeyValue           { return attribute.Int(k, v) }
func attrString(k, v string) attribute.KeyValue            { return attribute.String(k, v) }
func attrStrings(k string, v ...string) attribute.KeyValue { return attribute.StringSlice(k, v) }

// TestTracesExportOverOTLP runs the app with telemetry.otlp_endpoint set to
// a local OTLP/HTTP receiver: the spans of an upload and of its task reach
// it, decoded as a collector decodes them, once the provider is flushed.
func TestTracesExportOverOTLP(t *testing.T) {
	recv := otlptest.Start(t, true)
	b := start(t, func(c *config.Config) {
		c.Telemetry.OTLPEndpoint = recv.URL()
		c.Telemetry.ServiceName = "easel-otlp-test"
	})
	resp, out := b.do(t, "POST", "/v1/assets?ops=w_16,f_png&wait=20s", bytes.NewReader(noisePNG(t, 4, 40, 30)))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	// The task's own spans end just after its answer: flush until they
	// have arrived.
	want := []string{"POST /v1/assets", "publish tasks", "process tasks", "task render", "task.download", "render", "task.store"}
	got := map[string]bool{}
	require.Eventually(t, func() bool {
		if err := b.app.Telemetry.ForceFlush(context.Background()); err != nil {
			return false
		}
		for _, s := range recv.Spans() {
			got[s.Name+" @"+s.Service] = true
		}
		for _, name := range want {
			if !got[name+" @easel-otlp-test"] {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond, "exported: %v", got)
	require.Empty(t, recv.Refused())
}
