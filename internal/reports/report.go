package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// Limits of a batch of reports.
const (
	// MaxBatch is how many reports one request may carry.
	MaxBatch = 500
	// MaxBodyBytes bounds the request body.
	MaxBodyBytes = 512 << 10
	// MaxMS bounds upload_ms, wait_ms and download_ms (one day).
	MaxMS = 86_400_000
	// MaxBytes bounds bytes (1 TiB).
	MaxBytes = 1 << 40
	// MaxAge is how old a report's at may be; MaxSkew how far ahead.
	MaxAge  = 7 * 24 * time.Hour
	MaxSkew = 5 * time.Minute
)

// Networks are the values network may take ("" when not given).
var Networks = []string{"wifi", "ethernet", "cellular", "2g", "3g", "4g", "5g", "offline", "unknown"}

// FailedStages are the values failed_stage may take ("" when the effect
// succeeded).
var FailedStages = []string{"upload", "wait", "process", "download"}

var (
	effectPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	regionPattern  = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
)

// Report is what an app measured of one effect, as POST /v1/reports
// takes it. Times are milliseconds; a nil one was not measured.
type Report struct {
	Effect      string     `json:"effect"`
	UploadMS    *float64   `json:"upload_ms,omitempty"`
	WaitMS      *float64   `json:"wait_ms,omitempty"`
	DownloadMS  *float64   `json:"download_ms,omitempty"`
	Bytes       *int64     `json:"bytes,omitempty"`
	Network     string     `json:"network,omitempty"`
	FailedStage string     `json:"failed_stage,omitempty"`
	AppVersion  string     `json:"app_version,omitempty"`
	Country     string     `json:"country,omitempty"`
	Region      string     `json:"region,omitempty"`
	At          *time.Time `json:"at,omitempty"`
}

// Measures returns the report's milliseconds by easel.Measure* index and
// whether each was given; the total is the sum of those given.
func (r Report) Measures() (ms [easel.Measures]float64, ok [easel.Measures]bool) {
	for i, p := range [...]*float64{r.UploadMS, r.WaitMS, r.DownloadMS} {
		if p != nil {
			ms[i], ok[i] = *p, true
			ms[easel.MeasureTotal] += *p
			ok[easel.MeasureTotal] = true
		}
	}
	return ms, ok
}

// Decode reads a batch {"reports": [...]} and validates every report,
// refusing the whole batch at the first bad one with an
// invalid_argument error that names the field (reports[3].upload_ms).
// now is the time reports without at are given, and the one at is
// checked against.
func Decode(body io.Reader, now time.Time) ([]Report, error) {
	raw, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		return nil, easel.WrapError(easel.CodeInvalidArgument, err, "reading the body")
	}
	if len(raw) > MaxBodyBytes {
		return nil, easel.Errorf(easel.CodeTooLarge, "body: larger than %d bytes", MaxBodyBytes)
	}
	var batch struct {
		Reports []json.RawMessage `json:"reports"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&batch); err != nil {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "body: want {\"reports\": [...]}: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "body: data after the JSON object")
	}
	switch {
	case batch.Reports == nil:
		return nil, easel.Errorf(easel.CodeInvalidArgument, "reports: required")
	case len(batch.Reports) == 0 || len(batch.Reports) > MaxBatch:
		return nil, easel.Errorf(easel.CodeInvalidArgument, "reports: want 1..%d reports, got %d", MaxBatch, len(batch.Reports))
	}
	out := make([]Report, len(batch.Reports))
	for i, item := range batch.Reports {
		r, err := decodeOne(item, now)
		if err != nil {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "reports[%d].%s", i, err)
		}
		out[i] = r
	}
	return out, nil
}

// decodeOne decodes and checks one report; its errors start with the
// field's name.
func decodeOne(item json.RawMessage, now time.Time) (Report, error) {
	var r Report
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		var te *json.UnmarshalTypeError
		var pe *time.ParseError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return r, fmt.Errorf("%s: want a %s", te.Field, te.Type)
		case errors.As(err, &pe):
			return r, fmt.Errorf("at: want an RFC 3339 time")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return r, fmt.Errorf("%s: unknown field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
		}
		return r, fmt.Errorf("(report): want an object: %s", jsonProblem(err))
	}
	r.Network = strings.ToLower(r.Network)
	r.Country = strings.ToUpper(r.Country)
	switch {
	case !effectPattern.MatchString(r.Effect):
		return r, errors.New("effect: required, 1..64 of A-Z, a-z, 0-9, _ . - (an operation key such as w or blur, or a flow name)")
	case r.Network != "" && !contains(Networks, r.Network):
		return r, fmt.Errorf("network: want one of %s", strings.Join(Networks, ", "))
	case r.FailedStage != "" && !contains(FailedStages, r.FailedStage):
		return r, fmt.Errorf("failed_stage: want one of %s", strings.Join(FailedStages, ", "))
	case r.AppVersion != "" && !versionPattern.MatchString(r.AppVersion):
		return r, errors.New("app_version: want 1..32 of A-Z, a-z, 0-9, . _ + -")
	case r.Country != "" && !countryPattern.MatchString(r.Country):
		return r, errors.New("country: want an ISO 3166-1 alpha-2 code such as FR")
	case r.Region != "" && !regionPattern.MatchString(r.Region):
		return r, errors.New("region: want 1..32 of a-z, 0-9 and -")
	case r.Bytes != nil && (*r.Bytes < 0 || *r.Bytes > MaxBytes):
		return r, fmt.Errorf("bytes: want 0..%d", int64(MaxBytes))
	}
	for _, f := range [...]struct {
		name string
		v    *float64
	}{{"upload_ms", r.UploadMS}, {"wait_ms", r.WaitMS}, {"download_ms", r.DownloadMS}} {
		if f.v != nil && (math.IsNaN(*f.v) || *f.v < 0 || *f.v > MaxMS) {
			return r, fmt.Errorf("%s: want 0..%d", f.name, MaxMS)
		}
	}
	if r.At == nil {
		at := now
		r.At = &at
	} else if r.At.Before(now.Add(-MaxAge)) || r.At.After(now.Add(MaxSkew)) {
		return r, fmt.Errorf("at: want a time within the last %s (and at most %s ahead)", "7 days", MaxSkew)
	}
	return r, nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// jsonProblem is a short description of a JSON syntax error.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated JSON"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: want a %s", te.Field, te.Type)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
