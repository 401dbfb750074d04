package httpapi

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/transform"
)

const dashboardPath = "../../deploy/grafana/easel.json"

// registeredNames returns every series name /metrics can show: each
// collector is fed once so that its family is gathered, and histograms
// give their _bucket, _count and _sum names.
func registeredNames(t *testing.T) map[string]bool {
	t.Helper()
	m := NewMetrics(delivery.NewLimiter(1, 1), func() *delivery.Delivery { return nil })
	e := m.EnableEffects(observe.Config{Enabled: true})
	m.route(routeKey{route: "GET /x", method: "GET", status: 200}).latency.Observe(1)
	m.route(routeKey{route: "GET /x", method: "GET", status: 200}).requests.Inc()
	m.CacheHit("memory")
	m.CacheMiss()
	m.Rendered(transform.FormatPNG, time.Millisecond, nil)
	m.Rendered(transform.FormatPNG, 0, errors.New("x"))
	m.TaskEnded("render", easel.TaskSucceeded, easel.Timings{Process: easel.Millis(time.Millisecond)})
	m.Abandoned(false, false)
	e.Observe(observe.StageUpload, "w", "t", time.Millisecond)
	e.Fail(observe.StageUpload, easel.CodeInternal, "w", "t")
	e.Delivery("t", transform.Options{Width: 1}, "memory").Observe(1)
	e.Client("t", observe.ClientReport{Effect: "w", Given: [easel.Measures]bool{true}})
	families, err := m.reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
		if f.GetType().String() == "HISTOGRAM" {
			for _, s := range []string{"_bucket", "_count", "_sum"} {
				names[f.GetName()+s] = true
			}
		}
	}
	return names
}

var (
	promStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	promNotMetric = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
		"group_right": true, "and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}
)

// metricNames returns the metric names a PromQL expression reads.
func metricNames(expr string) []string {
	s := promStrings.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRanges.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var out []string
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		id := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " ")
		prev := byte(' ')
		if loc[0] > 0 {
			prev = s[loc[0]-1]
		}
		if promNotMetric[strings.ToLower(id)] || strings.HasPrefix(rest, "(") || prev == '$' || prev == '.' || prev >= '0' && prev <= '9' {
			continue // a function, a keyword, a $variable or a number's tail
		}
		out = append(out, id)
	}
	return out
}

// exprs collects every PromQL expression of the dashboard: panel targets
// and variable queries.
func exprs(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && (k == "expr" || k == "definition") {
				*out = append(*out, s)
			}
			exprs(c, out)
		}
	case []any:
		for _, c := range x {
			exprs(c, out)
		}
	}
}

// TestDashboardReferencesRegisteredMetrics parses the Grafana dashboard
// and checks that every metric its queries name is one easel registers, so
// that a typo fails here rather than as an empty panel.
func TestDashboardReferencesRegisteredMetrics(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(dashboardPath)
	require.NoError(t, err)
	var dash map[string]any
	require.NoError(t, json.Unmarshal(b, &dash), "valid JSON")
	require.NotEmpty(t, dash["uid"])
	names := registeredNames(t)
	var all []string
	exprs(dash, &all)
	require.Greater(t, len(all), 15)
	used := map[string]bool{}
	for _, e := range all {
		if m, ok := strings.CutPrefix(e, "label_values("); ok {
			e, _, _ = strings.Cut(m, ",") // label_values(metric, label)
		}
		ms := metricNames(e)
		require.NotEmpty(t, ms, "query reads no metric: %s", e)
		for _, m := range ms {
			require.True(t, names[m], "dashboard query names %q, which easel does not register: %s", m, e)
			used[m] = true
		}
	}
	for _, want := range []string{observe.StageSecondsName + "_bucket", observe.DeliverySecondsName + "_bucket", observe.FailuresName, observe.ClientSecondsName + "_bucket", observe.ClientReportsName} {
		require.True(t, used[want], "a panel uses %s", want)
	}
}

func TestMetricNamesOfPromQL(t *testing.T) {
	t.Parallel()
	got := metricNames(`histogram_quantile(0.95, sum by (le, effect) (rate(easel_x_bucket{region=~"$region",a="b{c}"}[$__rate_interval]))) / ignoring (x) group_left sum by (y) (rate(easel_y_total[5m])) + 1e3`)
	require.Equal(t, []string{"easel_x_bucket", "easel_y_total"}, got)
	require.Equal(t, []string{"easel_typo_total"}, metricNames(`easel_typo_total`))
}
