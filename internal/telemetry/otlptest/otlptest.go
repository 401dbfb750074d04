// Package otlptest is a local OTLP/HTTP trace receiver for tests and
// benchmarks: an HTTP server that decodes each export request (protobuf,
// gzip or not) as a collector does, and keeps the spans' names and
// resource service names.
package otlptest

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// emptyResponse is an ExportTraceServiceResponse with nothing refused:
// encoded, no bytes at all.
var emptyResponse = []byte{}

// Receiver is a running OTLP/HTTP trace receiver.
type Receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests int
	spans    []Span
	bad      []string
}

// Span is what the receiver keeps of a span.
type Span struct {
	Name    string
	Service string // the resource's service.name
	TraceID []byte
	SpanID  []byte
	Parent  []byte
}

// Start starts a receiver, stopped when the test ends. keep false only
// reads and counts the requests (a sink for benchmarks: decoding is a
// collector's work, done in another process).
func Start(t testing.TB, keep bool) *Receiver {
	r := &Receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { r.serve(w, req, keep) }))
	t.Cleanup(r.srv.Close)
	return r
}

// URL is the endpoint to export to (spans are posted to URL/v1/traces).
func (r *Receiver) URL() string { return r.srv.URL }

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request, keep bool) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		r.refuse(w, req.Method+" "+req.URL.Path+" "+req.Header.Get("Content-Type"))
		return
	}
	if !keep { // a sink: the cost of decoding is the collector's, not the exporter's
		_, _ = io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.requests++
		r.mu.Unlock()
		_, _ = w.Write(emptyResponse)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			r.refuse(w, "gzip: "+err.Error())
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		r.refuse(w, "read: "+err.Error())
		return
	}
	var export coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(data, &export); err != nil {
		r.refuse(w, "decode: "+err.Error())
		return
	}
	r.mu.Lock()
	r.requests++
	if keep {
		for _, rs := range export.GetResourceSpans() {
			service := ""
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					service = kv.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					r.spans = append(r.spans, Span{Name: s.GetName(), Service: service, TraceID: s.GetTraceId(), SpanID: s.GetSpanId(), Parent: s.GetParentSpanId()})
				}
			}
		}
	}
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(emptyResponse)
}

func (r *Receiver) refuse(w http.ResponseWriter, why string) {
	r.mu.Lock()
	r.bad = append(r.bad, why)
	r.mu.Unlock()
	http.Error(w, why, http.StatusBadRequest)
}

// Spans returns the spans received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// Requests is the number of export requests decoded.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// Refused lists the requests that were not OTLP/HTTP trace exports.
func (r *Receiver) Refused() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bad...)
}
