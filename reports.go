package easel

import (
	"context"
	"strings"
	"time"
)

// Report measures, the index of ReportMinute's per-measure fields.
const (
	MeasureUpload   = iota // upload_ms
	MeasureWait            // wait_ms
	MeasureDownload        // download_ms
	MeasureTotal           // the sum of those a report gave
	Measures               // how many there are
)

// ReportGroup is what per-minute report aggregates are grouped by. Source
// is "client" for what apps reported, "server" for the server's own stage
// times (Stage names the stage; only the total measure is kept).
type ReportGroup struct {
	Source      string `json:"source,omitempty"`
	Stage       string `json:"stage,omitempty"`
	Effect      string `json:"effect,omitempty"`
	Region      string `json:"region,omitempty"`
	Network     string `json:"network,omitempty"`
	Country     string `json:"country,omitempty"`
	AppVersion  string `json:"app_version,omitempty"`
	FailedStage string `json:"failed_stage,omitempty"`
}

// Key joins the group's fields into one string, its stored identity.
func (g ReportGroup) Key() string {
	return strings.Join([]string{g.Source, g.Stage, g.Effect, g.Region, g.Network, g.Country, g.AppVersion, g.FailedStage}, "\x1f")
}

// ReportMinute is one minute's aggregate of a tenant's reports of one
// group: counts, sums, and per measure the count of values in each
// logarithmic bucket (internal/reports defines the buckets).
type ReportMinute struct {
	TenantID string
	Minute   time.Time // the minute's start, UTC
	Group    ReportGroup
	Count    int64 // reports
	Bytes    int64 // sum of their bytes
	// N counts the reports that gave each measure; Sum adds their
	// milliseconds; Buckets maps a bucket to its count.
	N       [Measures]int64
	Sum     [Measures]float64
	Buckets [Measures]map[int]int64
}

// ReportStore keeps per-minute report aggregates.
//
// Every implementation passes internal/meta/metatest's RunReports.
type ReportStore interface {
	// AddReportMinutes adds each aggregate to the stored one of the same
	// tenant, minute and group (counts, sums and bucket counts summed), in
	// one transaction: all or none. A tenant that does not exist is
	// CodeNotFound.
	AddReportMinutes(ctx context.Context, ms []ReportMinute) error
	// ReportMinutes returns the tenant's aggregates of the minutes in
	// [from, to), ordered by minute.
	ReportMinutes(ctx context.Context, tenantID string, from, to time.Time) ([]ReportMinute, error)
	// PurgeReportMinutes deletes the aggregates of minutes before before,
	// returning how many groups' minutes went.
	PurgeReportMinutes(ctx context.Context, before time.Time) (int64, error)
}
