package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/client"
)

// reportSink is a fake /v1/reports that records the batch sizes and
// refuses a batch holding a report of effect "bad".
type reportSink struct {
	mu      sync.Mutex
	batches []int
}

func (s *reportSink) server() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Reports []client.Report }
		if r.URL.Path != "/v1/reports" || json.NewDecoder(r.Body).Decode(&in) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for i, rep := range in.Reports {
			if rep.Effect == "bad" {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"error":{"code":"invalid_argument","message":"reports[%d].effect: bad"}}`, i)
				return
			}
		}
		s.mu.Lock()
		s.batches = append(s.batches, len(in.Reports))
		s.mu.Unlock()
		fmt.Fprintf(w, `{"accepted":%d,"groups":1}`, len(in.Reports))
	}))
}

func TestSendReportsBatches(t *testing.T) {
	t.Parallel()
	sink := &reportSink{}
	srv := sink.server()
	defer srv.Close()
	c, err := client.New([]string{srv.URL}, client.WithAPIKey("ek_test"))
	require.NoError(t, err)
	reps := make([]client.Report, 1201)
	for i := range reps {
		reps[i] = client.Report{Effect: "w", UploadMS: float64(i)}
	}
	n, err := c.SendReports(t.Context(), reps)
	require.NoError(t, err)
	require.Equal(t, 1201, n)
	require.Equal(t, []int{500, 500, 201}, sink.batches)

	reps[700].Effect = "bad"
	n, err = c.SendReports(t.Context(), reps)
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, 500, n, "the first batch was stored, the second refused")
	require.Contains(t, err.Error(), "reports 500..999")

	r := c.NewReporter()
	for range client.MaxReportBatch + 3 {
		require.NoError(t, r.Add(t.Context(), client.Report{Effect: "blur"}))
	}
	require.Equal(t, 3, r.Queued(), "a full batch went by itself")
	require.NoError(t, r.Add(t.Context(), client.Report{Effect: "bad"}))
	require.Error(t, r.Flush(t.Context()))
	require.Equal(t, 4, r.Queued(), "kept for the next flush")
}

// Send what the app measured of each effect, in batches.
func ExampleClient_NewReporter() {
	sink := &reportSink{}
	srv := sink.server()
	defer srv.Close()
	c, _ := client.New([]string{srv.URL}, client.WithAPIKey("ek_..."))
	ctx := context.Background()

	reporter := c.NewReporter()
	for i := range 1200 {
		_ = reporter.Add(ctx, client.Report{
			Effect: "blur", UploadMS: 120, WaitMS: 35, DownloadMS: float64(40 + i%50),
			Bytes: 52000, Network: "wifi", AppVersion: "3.1.0", Country: "FR",
		})
	}
	if err := reporter.Flush(ctx); err != nil { // also on a timer, and before exiting
		fmt.Println(err)
	}
	fmt.Println("batches", sink.batches)
	// Output:
	// batches [500 500 200]
}
