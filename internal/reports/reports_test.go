package reports_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/reports"
)

var now = time.Date(2026, 12, 2, 15, 30, 20, 0, time.UTC)

func TestDecodeValidation(t *testing.T) {
	t.Parallel()
	one := func(item string) string { return `{"reports":[` + item + `]}` }
	cases := []struct {
		name, body string
		code       easel.Code
		want       string // in the message: the field named
	}{
		{"ok minimal", one(`{"effect":"w"}`), "", ""},
		{"ok full", one(`{"effect":"blur","upload_ms":120.5,"wait_ms":30,"download_ms":80,"bytes":52000,"network":"WiFi","failed_stage":"","app_version":"3.1.0+b7","country":"fr","region":"eu-west","at":"2026-12-02T15:29:00Z"}`), "", ""},
		{"not json", `{"reports":[`, easel.CodeInvalidArgument, "body"},
		{"no reports", `{}`, easel.CodeInvalidArgument, "reports: required"},
		{"trailing data", `{"reports":[{"effect":"w"}]} {"reports":[]}`, easel.CodeInvalidArgument, "body: data after"},
		{"empty batch", `{"reports":[]}`, easel.CodeInvalidArgument, "reports: want 1..500"},
		{"unknown top field", `{"reports":[{"effect":"w"}],"x":1}`, easel.CodeInvalidArgument, "body"},
		{"unknown field", one(`{"effect":"w","speed":3}`), easel.CodeInvalidArgument, "reports[0].speed: unknown field"},
		{"missing effect", one(`{"upload_ms":3}`), easel.CodeInvalidArgument, "reports[0].effect"},
		{"effect too long", one(`{"effect":"` + strings.Repeat("a", 65) + `"}`), easel.CodeInvalidArgument, "reports[0].effect"},
		{"effect bad chars", one(`{"effect":"w 1"}`), easel.CodeInvalidArgument, "reports[0].effect"},
		{"negative upload", one(`{"effect":"w","upload_ms":-1}`), easel.CodeInvalidArgument, "reports[0].upload_ms: want 0..86400000"},
		{"huge wait", one(`{"effect":"w","wait_ms":1e12}`), easel.CodeInvalidArgument, "reports[0].wait_ms"},
		{"string download", one(`{"effect":"w","download_ms":"fast"}`), easel.CodeInvalidArgument, "reports[0].download_ms: want a float64"},
		{"negative bytes", one(`{"effect":"w","bytes":-5}`), easel.CodeInvalidArgument, "reports[0].bytes"},
		{"fractional bytes", one(`{"effect":"w","bytes":1.5}`), easel.CodeInvalidArgument, "reports[0].bytes"},
		{"bad network", one(`{"effect":"w","network":"pigeon"}`), easel.CodeInvalidArgument, "reports[0].network"},
		{"bad stage", one(`{"effect":"w","failed_stage":"render"}`), easel.CodeInvalidArgument, "reports[0].failed_stage"},
		{"bad version", one(`{"effect":"w","app_version":"` + strings.Repeat("1", 33) + `"}`), easel.CodeInvalidArgument, "reports[0].app_version"},
		{"bad country", one(`{"effect":"w","country":"FRA"}`), easel.CodeInvalidArgument, "reports[0].country"},
		{"bad region", one(`{"effect":"w","region":"EU WEST"}`), easel.CodeInvalidArgument, "reports[0].region"},
		{"bad at", one(`{"effect":"w","at":"yesterday"}`), easel.CodeInvalidArgument, "reports[0].at"},
		{"too old", one(`{"effect":"w","at":"2026-11-01T00:00:00Z"}`), easel.CodeInvalidArgument, "reports[0].at"},
		{"in the future", one(`{"effect":"w","at":"2026-12-02T16:00:00Z"}`), easel.CodeInvalidArgument, "reports[0].at"},
		{"second item bad", `{"reports":[{"effect":"w"},{"effect":"w","upload_ms":-2}]}`, easel.CodeInvalidArgument, "reports[1].upload_ms"},
		{"item not object", `{"reports":[3]}`, easel.CodeInvalidArgument, "reports[0]"},
		{"too many", `{"reports":[` + strings.TrimSuffix(strings.Repeat(`{"effect":"w"},`, 501), ",") + `]}`, easel.CodeInvalidArgument, "reports: want 1..500 reports, got 501"},
		{"too large", `{"reports":[{"effect":"w","app_version":"` + strings.Repeat("x", reports.MaxBodyBytes) + `"}]}`, easel.CodeTooLarge, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := reports.Decode(strings.NewReader(tc.body), now)
			if tc.code == "" {
				require.NoError(t, err)
				require.NotEmpty(t, got)
				require.NotNil(t, got[0].At)
				return
			}
			require.Error(t, err)
			require.Equal(t, tc.code, easel.ErrorCode(err), "%v", err)
			require.Contains(t, easel.ErrorMessage(err), tc.want)
			require.Nil(t, got)
		})
	}
}

func TestDecodeNormalises(t *testing.T) {
	t.Parallel()
	got, err := reports.Decode(strings.NewReader(`{"reports":[{"effect":"w","network":"4G","country":"de"}]}`), now)
	require.NoError(t, err)
	require.Equal(t, "4g", got[0].Network)
	require.Equal(t, "DE", got[0].Country)
	require.True(t, got[0].At.Equal(now), "a report without at is dated when received")
}

func TestBucketBounds(t *testing.T) {
	t.Parallel()
	require.Equal(t, 0, reports.Bucket(0))
	require.Equal(t, 0, reports.Bucket(0.99))
	require.Equal(t, 1, reports.Bucket(1))
	require.Equal(t, 9, reports.Bucket(2))
	require.Equal(t, reports.MaxBucket, reports.Bucket(1e15))
	for v := 1.0; v < reports.MaxMS; v *= 1.013 {
		b := reports.Bucket(v)
		require.InEpsilon(t, v, reports.BucketValue(b), 0.045, "value %v bucket %d", v, b)
	}
}

// memStore is a Store in memory that merges as the SQL stores do.
type memStore struct{ ms []easel.ReportMinute }

func (m *memStore) AddReportMinutes(_ context.Context, ms []easel.ReportMinute) error {
	m.ms = append(m.ms, ms...)
	return nil
}

func (m *memStore) ReportMinutes(_ context.Context, tenantID string, from, to time.Time) ([]easel.ReportMinute, error) {
	var out []easel.ReportMinute
	for _, x := range m.ms {
		if x.TenantID == tenantID && !x.Minute.Before(from) && x.Minute.Before(to) {
			out = append(out, x)
		}
	}
	return out, nil
}

func f(v float64) *float64 { return &v }

// exact is the nearest-rank percentile of vs.
func exact(vs []float64, q float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	return s[int(math.Ceil(q*float64(len(s))))-1]
}

func TestStatsPercentilesAgainstKnownInputs(t *testing.T) {
	t.Parallel()
	store := &memStore{}
	var observed int
	r := reports.New(reports.Config{Region: "eu", Observe: func(string, reports.Report) { observed++ }}, store)
	// effect w: uploads 1..1000 ms over two minutes; effect blur: 200
	// downloads of 50 ms, 10 of them failed.
	var ws []float64
	var batch []reports.Report
	for i := 1; i <= 1000; i++ {
		at := now.Add(-time.Duration(i%2) * time.Minute)
		batch = append(batch, reports.Report{Effect: "w", UploadMS: f(float64(i)), Network: "wifi", At: &at})
		ws = append(ws, float64(i))
		if len(batch) == reports.MaxBatch {
			_, err := r.Submit(t.Context(), "t1", batch)
			require.NoError(t, err)
			batch = nil
		}
	}
	for i := range 200 {
		at := now
		rep := reports.Report{Effect: "blur", DownloadMS: f(50), WaitMS: f(10), Network: "4g", At: &at}
		if i < 10 {
			rep.FailedStage = "download"
		}
		batch = append(batch, rep)
	}
	_, err := r.Submit(t.Context(), "t1", batch)
	require.NoError(t, err)
	_, err = r.Submit(t.Context(), "t2", []reports.Report{{Effect: "w", UploadMS: f(99999)}})
	require.NoError(t, err)
	require.Equal(t, 1201, observed)

	st, err := r.Stats(t.Context(), "t1", reports.StatsRequest{By: []string{"effect", "region"}, From: now.Add(-time.Hour), To: now, Step: time.Minute})
	require.NoError(t, err)
	require.Len(t, st.Groups, 2, "t2's report is not t1's")
	w, blur := st.Groups[0], st.Groups[1]
	require.Equal(t, map[string]string{"effect": "w", "region": "eu"}, w.Key)
	require.Equal(t, int64(1000), w.Count)
	require.Zero(t, w.FailureRate)
	for _, q := range []struct {
		q   float64
		got float64
	}{{.5, w.P50}, {.95, w.P95}, {.99, w.P99}} {
		require.InEpsilon(t, exact(ws, q.q), q.got, 0.045, "p%v", q.q*100)
	}
	require.NotNil(t, w.Upload)
	require.Equal(t, w.P95, w.Upload.P95, "upload is the only measure: total is upload")
	require.InDelta(t, 500.5, w.Upload.Mean, 1e-9)
	require.Nil(t, w.Download)
	require.Len(t, w.Series, 2, "two minutes")
	require.Equal(t, int64(500), w.Series[0].Count)
	require.True(t, w.Series[0].T.Before(w.Series[1].T))

	require.Equal(t, map[string]string{"effect": "blur", "region": "eu"}, blur.Key)
	require.Equal(t, int64(200), blur.Count)
	require.Equal(t, int64(10), blur.Failures)
	require.InDelta(t, 0.05, blur.FailureRate, 1e-9)
	require.Equal(t, map[string]int64{"download": 10}, blur.FailedStages)
	require.InEpsilon(t, 60, blur.P50, 0.045, "total is wait + download")
	require.InEpsilon(t, 50, blur.Download.P99, 0.045)
	require.Equal(t, int64(190), blur.Download.Count, "failed reports are not in the latencies")

	// No grouping: one group of everything; no step: no series.
	st, err = r.Stats(t.Context(), "t1", reports.StatsRequest{From: now.Add(-time.Hour), To: now})
	require.NoError(t, err)
	require.Len(t, st.Groups, 1)
	require.Equal(t, int64(1200), st.Groups[0].Count)
	require.Empty(t, st.Groups[0].Series)
}

func TestStatsRequestChecks(t *testing.T) {
	t.Parallel()
	r := reports.New(reports.Config{}, &memStore{})
	for _, tc := range []struct {
		name string
		req  reports.StatsRequest
		want string
	}{
		{"unknown by", reports.StatsRequest{By: []string{"colour"}}, "by:"},
		{"by twice", reports.StatsRequest{By: []string{"effect", "effect"}}, "by:"},
		{"from after to", reports.StatsRequest{From: now, To: now.Add(-time.Hour)}, "from:"},
		{"too long", reports.StatsRequest{From: now.Add(-40 * 24 * time.Hour), To: now}, "from:"},
		{"too many points", reports.StatsRequest{From: now.Add(-3 * 24 * time.Hour), To: now, Step: time.Minute}, "step:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Stats(t.Context(), "t", tc.req)
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "%v", err)
			require.Contains(t, easel.ErrorMessage(err), tc.want)
		})
	}
	for in, want := range map[string]time.Duration{"": 0, "1m": time.Minute, "5m": 5 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour} {
		got, err := reports.ParseStep(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"1s", "m", "0m", "-1m", "1.5h", fmt.Sprint(1 << 40)} {
		_, err := reports.ParseStep(bad)
		require.Error(t, err, bad)
	}
}

func TestRecorderServerFigures(t *testing.T) {
	t.Parallel()
	store := &memStore{}
	rec := reports.NewRecorder(store, "eu", nil)
	for i := 1; i <= 100; i++ {
		rec.Record("t1", "process", "blur", time.Duration(i)*time.Millisecond, false)
	}
	rec.Record("t1", "process", "blur", 0, true)
	rec.Record("", "delivery", "other", 0, true) // no tenant: not stored
	require.NoError(t, rec.Flush(t.Context()))
	require.NoError(t, rec.Flush(t.Context()), "nothing left to add")
	require.Len(t, store.ms, 2, "one group of times, one of failures")

	r := reports.New(reports.Config{}, store)
	st, err := r.Stats(t.Context(), "t1", reports.StatsRequest{Source: "server", By: []string{"effect", "stage", "region"}, To: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	require.Equal(t, "server", st.Source)
	require.Len(t, st.Groups, 1)
	g := st.Groups[0]
	require.Equal(t, map[string]string{"effect": "blur", "stage": "process", "region": "eu"}, g.Key)
	require.Equal(t, int64(101), g.Count)
	require.Equal(t, int64(1), g.Failures)
	require.InEpsilon(t, 50, g.P50, 0.045)
	require.InEpsilon(t, 99, g.P99, 0.045)

	st, err = r.Stats(t.Context(), "t1", reports.StatsRequest{To: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	require.Empty(t, st.Groups, "the client's figures do not include the server's")
	_, err = r.Stats(t.Context(), "t1", reports.StatsRequest{Source: "both"})
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
}
