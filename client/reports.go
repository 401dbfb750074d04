package client

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// MaxReportBatch is how many reports one request carries: the server's
// limit.
const MaxReportBatch = 500

// Report is what an app measured of one effect, end to end
// (POST /v1/reports). A zero time was not measured.
type Report struct {
	Effect      string  `json:"effect"` // an operation key (w, blur, f) or a flow name
	UploadMS    float64 `json:"upload_ms,omitempty"`
	WaitMS      float64 `json:"wait_ms,omitempty"`
	DownloadMS  float64 `json:"download_ms,omitempty"`
	Bytes       int64   `json:"bytes,omitempty"`
	Network     string  `json:"network,omitempty"`      // wifi, ethernet, cellular, 2g, 3g, 4g, 5g, offline, unknown
	FailedStage string  `json:"failed_stage,omitempty"` // upload, wait, process, download; empty when it succeeded
	AppVersion  string  `json:"app_version,omitempty"`
	Country     string  `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Region      string  `json:"region,omitempty"`  // default: the server's
	// At is when it was measured (default: when it is received); at most
	// 7 days old.
	At time.Time `json:"at,omitzero"`
}

// ReportResult is what the server accepted of one batch.
type ReportResult struct {
	Accepted int `json:"accepted"`
	Groups   int `json:"groups"`
}

// SendReports sends reports in batches of at most MaxReportBatch and
// returns how many were stored. Each batch is stored whole or not at all
// (a bad report is an *Error naming it, e.g. reports[3].upload_ms); on an
// error, the batches before it were stored.
func (c *Client) SendReports(ctx context.Context, reports []Report) (int, error) {
	sent := 0
	for len(reports) > 0 {
		n := min(len(reports), MaxReportBatch)
		in := struct {
			Reports []Report `json:"reports"`
		}{reports[:n]}
		var res ReportResult
		if _, err := c.doJSON(ctx, http.MethodPost, "/v1/reports", in, &res); err != nil {
			return sent, fmt.Errorf("reports %d..%d: %w", sent, sent+n-1, err)
		}
		sent += res.Accepted
		reports = reports[n:]
	}
	return sent, nil
}

// Reporter collects an app's reports and sends them in batches: Add
// queues one and sends the queue when it holds MaxReportBatch; Flush sends
// what is queued (call it on a timer and before the app exits). It is
// safe for concurrent use.
type Reporter struct {
	c      *Client
	mu     sync.Mutex
	queued []Report
}

// NewReporter returns a Reporter sending through c.
func (c *Client) NewReporter() *Reporter { return &Reporter{c: c} }

// Add queues a report, sending the batch when it is full.
func (r *Reporter) Add(ctx context.Context, rep Report) error {
	r.mu.Lock()
	r.queued = append(r.queued, rep)
	full := len(r.queued) >= MaxReportBatch
	r.mu.Unlock()
	if full {
		return r.Flush(ctx)
	}
	return nil
}

// Flush sends the queued reports. Those not sent stay queued (at most
// 10 batches' worth: older ones are dropped) for the next Flush.
func (r *Reporter) Flush(ctx context.Context) error {
	r.mu.Lock()
	batch := r.queued
	r.queued = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	n, err := r.c.SendReports(ctx, batch)
	if err != nil {
		r.mu.Lock()
		r.queued = append(batch[n:], r.queued...)
		if over := len(r.queued) - 10*MaxReportBatch; over > 0 {
			r.queued = r.queued[over:]
		}
		r.mu.Unlock()
	}
	return err
}

// Queued is how many reports wait for the next Flush.
func (r *Reporter) Queued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queued)
}
