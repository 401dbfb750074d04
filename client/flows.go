package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// FlowRun is the answer of RunFlow: the task running the flow and the raw
// answer, for fields this SDK does not know yet.
type FlowRun struct {
	Task *Task           `json:"task,omitempty"`
	Raw  json.RawMessage `json:"-"`
}

// RunFlow runs the named flow on a stored asset
// (POST /v1/flows/{name}/run?wait= with {"asset_id","params"}), waiting up
// to wait for it to finish.
func (c *Client) RunFlow(ctx context.Context, name, assetID string, params map[string]any, wait time.Duration) (FlowRun, error) {
	path := "/v1/flows/" + url.PathEscape(name) + "/run"
	if wait > 0 {
		path += "?wait=" + url.QueryEscape(wait.String())
	}
	in := struct {
		AssetID string         `json:"asset_id"`
		Params  map[string]any `json:"params,omitempty"`
	}{assetID, params}
	var raw json.RawMessage
	if _, err := c.doJSON(ctx, http.MethodPost, path, in, &raw); err != nil {
		return FlowRun{}, err
	}
	run := FlowRun{Raw: raw}
	_ = json.Unmarshal(raw, &run)
	return run, nil
}

// Report is what an app measured of one effect, end to end.
type Report struct {
	Effect      string  `json:"effect"`
	UploadMS    float64 `json:"upload_ms,omitempty"`
	WaitMS      float64 `json:"wait_ms,omitempty"`
	DownloadMS  float64 `json:"download_ms,omitempty"`
	Bytes       int64   `json:"bytes,omitempty"`
	Network     string  `json:"network,omitempty"` // wifi, 4g, ...
	FailedStage string  `json:"failed_stage,omitempty"`
	AppVersion  string  `json:"app_version,omitempty"`
	Country     string  `json:"country,omitempty"`
	Region      string  `json:"region,omitempty"`
	// At is when it was measured (default: when it is sent).
	At time.Time `json:"at,omitzero"`
}

// SendReports sends the app's measurements in one batch
// (POST /v1/reports {"reports":[...]}).
func (c *Client) SendReports(ctx context.Context, reports []Report) error {
	in := struct {
		Reports []Report `json:"reports"`
	}{reports}
	_, err := c.doJSON(ctx, http.MethodPost, "/v1/reports", in, nil)
	return err
}
