package reports

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// GroupKeys are the fields stats may be grouped by (stage: only the
// server's figures have one).
var GroupKeys = []string{"effect", "region", "network", "country", "app_version", "stage"}

// Limits of a stats query.
const (
	MaxRange     = 31 * 24 * time.Hour
	MaxPoints    = 1440
	DefaultRange = time.Hour
)

// StatsRequest asks for the figures of [From, To) grouped by By, with a
// series of Step-long points when Step is not zero.
type StatsRequest struct {
	// Source is "client" (what apps reported; the default) or "server"
	// (the server's own stage times).
	Source   string
	By       []string
	From, To time.Time // zero To: now; zero From: To - 1h
	Step     time.Duration
}

// Stats are the figures GET /v1/stats answers (docs/api.md).
type Stats struct {
	Source string    `json:"source"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	By     []string  `json:"by"`
	Step   string    `json:"step,omitempty"`
	Groups []Group   `json:"groups"`
}

// Group is one group's figures over the range, and its series.
type Group struct {
	Key map[string]string `json:"key"`
	Figures
	Series []Point `json:"series,omitempty"`
}

// Point is one step of a series, starting at T.
type Point struct {
	T time.Time `json:"t"`
	Figures
}

// Figures sum a set of reports. P50, P95 and P99 are of the total time
// (upload + wait + download, as given) of the reports that did not fail;
// Upload, Wait and Download are each measure's own.
type Figures struct {
	Count        int64            `json:"count"`
	Failures     int64            `json:"failures"`
	FailureRate  float64          `json:"failure_rate"`
	FailedStages map[string]int64 `json:"failed_stages,omitempty"`
	P50          float64          `json:"p50"`
	P95          float64          `json:"p95"`
	P99          float64          `json:"p99"`
	Upload       *Measure         `json:"upload,omitempty"`
	Wait         *Measure         `json:"wait,omitempty"`
	Download     *Measure         `json:"download,omitempty"`
	Bytes        int64            `json:"bytes"`
}

// Measure is one measure's figures in milliseconds, of the reports that
// gave it and did not fail.
type Measure struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
}

// acc accumulates Figures.
type acc struct {
	count, failures, bytes int64
	stages                 map[string]int64
	n                      [easel.Measures]int64
	sum                    [easel.Measures]float64
	sketches               [easel.Measures]sketch
}

func (a *acc) add(m easel.ReportMinute) {
	a.count += m.Count
	a.bytes += m.Bytes
	if m.Group.FailedStage != "" {
		a.failures += m.Count
		if a.stages == nil {
			a.stages = map[string]int64{}
		}
		a.stages[m.Group.FailedStage] += m.Count
		return
	}
	for i := range easel.Measures {
		a.n[i] += m.N[i]
		a.sum[i] += m.Sum[i]
		if len(m.Buckets[i]) > 0 {
			if a.sketches[i] == nil {
				a.sketches[i] = sketch{}
			}
			a.sketches[i].add(m.Buckets[i])
		}
	}
}

func (a *acc) figures() Figures {
	f := Figures{Count: a.count, Failures: a.failures, FailedStages: a.stages, Bytes: a.bytes}
	if a.count > 0 {
		f.FailureRate = math.Round(float64(a.failures)/float64(a.count)*1e6) / 1e6
	}
	q := a.sketches[easel.MeasureTotal].quantiles(.5, .95, .99)
	f.P50, f.P95, f.P99 = q[0], q[1], q[2]
	measure := func(i int) *Measure {
		if a.n[i] == 0 {
			return nil
		}
		q := a.sketches[i].quantiles(.5, .95, .99)
		return &Measure{Count: a.n[i], Mean: round3(a.sum[i] / float64(a.n[i])), P50: q[0], P95: q[1], P99: q[2]}
	}
	f.Upload, f.Wait, f.Download = measure(easel.MeasureUpload), measure(easel.MeasureWait), measure(easel.MeasureDownload)
	return f
}

// Stats returns the tenant's figures per group over the range.
func (s *Reports) Stats(ctx context.Context, tenantID string, req StatsRequest) (Stats, error) {
	if err := req.resolve(s.now()); err != nil {
		return Stats{}, err
	}
	ms, err := s.store.ReportMinutes(ctx, tenantID, req.From, req.To)
	if err != nil {
		return Stats{}, err
	}
	return Compute(req, ms), nil
}

// resolve fills the defaults and checks the request.
func (r *StatsRequest) resolve(now time.Time) error {
	switch r.Source {
	case "":
		r.Source = SourceClient
	case SourceClient, SourceServer:
	default:
		return easel.Errorf(easel.CodeInvalidArgument, "source: %q: want client or server", r.Source)
	}
	seen := map[string]bool{}
	for _, k := range r.By {
		if !contains(GroupKeys, k) {
			return easel.Errorf(easel.CodeInvalidArgument, "by: %q: want a comma-separated list of %s", k, strings.Join(GroupKeys, ", "))
		}
		if seen[k] {
			return easel.Errorf(easel.CodeInvalidArgument, "by: %q twice", k)
		}
		seen[k] = true
	}
	if r.To.IsZero() {
		r.To = now
	}
	if r.From.IsZero() {
		r.From = r.To.Add(-DefaultRange)
	}
	r.From, r.To = r.From.UTC().Truncate(time.Minute), ceilMinute(r.To.UTC())
	switch {
	case !r.From.Before(r.To):
		return easel.Errorf(easel.CodeInvalidArgument, "from: must be before to")
	case r.To.Sub(r.From) > MaxRange:
		return easel.Errorf(easel.CodeInvalidArgument, "from: the range may span at most 31 days")
	case r.Step < 0 || r.Step%time.Minute != 0:
		return easel.Errorf(easel.CodeInvalidArgument, "step: want a whole number of minutes (1m, 5m, 1h)")
	case r.Step > 0 && r.To.Sub(r.From)/r.Step > MaxPoints:
		return easel.Errorf(easel.CodeInvalidArgument, "step: at most %d points per series; widen the step or narrow the range", MaxPoints)
	}
	return nil
}

func ceilMinute(t time.Time) time.Time {
	if tr := t.Truncate(time.Minute); !tr.Equal(t) {
		return tr.Add(time.Minute)
	}
	return t
}

// Compute groups the minutes by req.By (resolved) and sums them, with a
// series of req.Step points per group when the step is set. Groups come
// by count, largest first; points in time order, empty steps left out.
func Compute(req StatsRequest, ms []easel.ReportMinute) Stats {
	type grp struct {
		key    map[string]string
		total  acc
		points map[time.Time]*acc
	}
	groups := map[string]*grp{}
	for _, m := range ms {
		if m.Group.Source != req.Source {
			continue
		}
		key := map[string]string{}
		parts := make([]string, len(req.By))
		for i, k := range req.By {
			v := field(m.Group, k)
			key[k], parts[i] = v, v
		}
		id := strings.Join(parts, "\x1f")
		g := groups[id]
		if g == nil {
			g = &grp{key: key, points: map[time.Time]*acc{}}
			groups[id] = g
		}
		g.total.add(m)
		if req.Step > 0 {
			t := req.From.Add(m.Minute.Sub(req.From) / req.Step * req.Step)
			p := g.points[t]
			if p == nil {
				p = &acc{}
				g.points[t] = p
			}
			p.add(m)
		}
	}
	out := Stats{Source: req.Source, From: req.From, To: req.To, By: req.By, Groups: []Group{}}
	if out.By == nil {
		out.By = []string{}
	}
	if req.Step > 0 {
		out.Step = formatStep(req.Step)
	}
	for _, g := range groups {
		grp := Group{Key: g.key, Figures: g.total.figures()}
		for t, p := range g.points {
			grp.Series = append(grp.Series, Point{T: t, Figures: p.figures()})
		}
		sort.Slice(grp.Series, func(i, j int) bool { return grp.Series[i].T.Before(grp.Series[j].T) })
		out.Groups = append(out.Groups, grp)
	}
	sort.Slice(out.Groups, func(i, j int) bool {
		a, b := out.Groups[i], out.Groups[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return keyString(a.Key, req.By) < keyString(b.Key, req.By)
	})
	return out
}

func keyString(k map[string]string, by []string) string {
	parts := make([]string, len(by))
	for i, f := range by {
		parts[i] = k[f]
	}
	return strings.Join(parts, "\x1f")
}

func field(g easel.ReportGroup, k string) string {
	switch k {
	case "effect":
		return g.Effect
	case "region":
		return g.Region
	case "network":
		return g.Network
	case "country":
		return g.Country
	case "app_version":
		return g.AppVersion
	case "stage":
		return g.Stage
	}
	return ""
}

func formatStep(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}

// ParseStep parses a step: "" (none), or a count of minutes, hours or
// days such as 1m, 5m, 1h, 1d.
func ParseStep(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if unit == 0 || err != nil || n < 1 || n > 100000 {
		return 0, easel.Errorf(easel.CodeInvalidArgument, "step: %q: want a count of minutes, hours or days such as 1m, 5m, 1h, 1d", s)
	}
	return time.Duration(n) * unit, nil
}
