package console_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// api calls the server's API with the test's key and decodes the answer.
func (s *server) api(t *testing.T, method, path string, body []byte, v any) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, buf.String())
	if v != nil {
		require.NoError(t, json.Unmarshal(buf.Bytes(), v), buf.String())
	}
}

// TestConsoleViews drives the views built on the newer endpoints in
// headless Chromium against a real `easel serve` with a flows folder and a
// rules file: the URL builder's preview comes from POST /v1/sign and a bad
// operation is named; the tasks view lists GET /v1/tasks and follows a task
// to succeeded; a flow saved with an error shows the error and its line,
// then saves once fixed; a rules draft is checked and dry-run against an
// asset; the stats view says what it has. No request leaves the origin and
// the page logs no error.
func TestConsoleViews(t *testing.T) {
	flowsDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(flowsDir, "file-thumb.yaml"),
		[]byte("name: file-thumb\nsteps:\n  - id: s\n    processor: image.render\n    params: {ops: \"w_64,f_png\"}\n"), 0o644))
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(rulesFile, []byte("- name: huge\n  when: \"width > 100000\"\n  flow: file-thumb\n"), 0o644))
	s := startServer(t, "EASEL_FLOWS_DIR="+flowsDir, "EASEL_RULES_FILE="+rulesFile)
	b := newBrowser(t)

	// An asset, uploaded over the API.
	data, err := os.ReadFile(testimages.Path(t, "photos/mate_Wood.jpg"))
	require.NoError(t, err)
	var asset struct{ ID string }
	s.api(t, "POST", "/v1/assets?name=wood.jpg", data, &asset)

	// Sign in.
	b.do(t, "open the console", chromedp.Navigate(s.base+"/console/"))
	b.poll(t, "console ready", `document.documentElement.dataset.ready === 'true'`, 10*time.Second)
	b.do(t, "sign in", chromedp.SendKeys(chromedp.ID("apikey"), s.apiKey), chromedp.Click(chromedp.CSS("#signin-form button")))
	b.poll(t, "assets view after sign-in", `!document.getElementById('view-assets').hidden && document.querySelectorAll('#grid li').length === 1`, 20*time.Second)
	b.screenshot(t, "views-01-signed-in")

	// URL builder: the server signs (POST /v1/sign), the preview loads.
	b.do(t, "open the URL builder", chromedp.Evaluate[chromedp.Void](`location.hash = '#url'`))
	b.do(t, "pick operations", clearField("u-w"), chromedp.SendKeys(chromedp.ID("u-w"), "240"), chromedp.SetValue(chromedp.ID("u-f"), "png"))
	b.poll(t, "signed preview loaded", `(() => { const i = document.getElementById('u-preview');
		return document.getElementById('u-msg').textContent === 'Signed by the server.' &&
			/\/i\/[^/]+\/w_240,f_png\//.test(document.getElementById('u-out').value) &&
			i.complete && i.naturalWidth === 240; })()`, 60*time.Second)
	requests, _ := b.snapshot()
	signed := 0
	for _, u := range requests {
		if u == s.base+"/v1/sign" {
			signed++
		}
	}
	require.Greater(t, signed, 0, "the URL came from POST /v1/sign")
	b.screenshot(t, "views-02-url-builder")
	b.do(t, "a bad operation", chromedp.SendKeys(chromedp.ID("u-extra"), "zz_9"))
	b.poll(t, "the bad item is named", `document.getElementById('u-msg').textContent.includes('zz_9')`, 20*time.Second)
	t.Logf("bad operation: %s", eval[string](t, b, `document.getElementById('u-msg').textContent`))
	b.do(t, "back to good operations", clearField("u-extra"), chromedp.SendKeys(chromedp.ID("u-extra"), " "))

	// Flows: an error with its line, then a valid save (version 1).
	b.do(t, "open flows", chromedp.Evaluate[chromedp.Void](`location.hash = '#flows'`))
	b.poll(t, "flows listed", `[...document.querySelectorAll('#flow-pick option')].some((o) => o.value === 'file-thumb')`, 10*time.Second)
	bad := "steps:\n  - id: small\n    processor: image.rendr\n    params: {ops: \"w_100,f_png\"}\n"
	b.do(t, "write a flow with an unknown processor",
		chromedp.SetValue(chromedp.ID("flow-pick"), ""),
		chromedp.SendKeys(chromedp.ID("flow-name"), "console-thumb"),
		chromedp.SetValue(chromedp.ID("flow-yaml"), bad),
		chromedp.Click(chromedp.ID("flow-save")))
	b.poll(t, "validation error shown", `document.getElementById('flow-errors').textContent.includes('line 3') &&
		document.getElementById('flow-errors').textContent.includes('unknown processor') &&
		document.getElementById('flow-yaml').getAttribute('aria-invalid') === 'true'`, 10*time.Second)
	require.Equal(t, "    processor: image.rendr", eval[string](t, b, `(() => { const ta = document.getElementById('flow-yaml'); return ta.value.slice(ta.selectionStart, ta.selectionEnd); })()`),
		"the caret is on the line at fault")
	b.screenshot(t, "views-03-flow-error")
	b.do(t, "fix and save", chromedp.SetValue(chromedp.ID("flow-yaml"), strings.Replace(bad, "rendr", "render", 1)), chromedp.Click(chromedp.ID("flow-save")))
	b.poll(t, "flow saved", `document.getElementById('flows-msg').textContent === 'Saved console-thumb version 1.' &&
		document.getElementById('flow-errors').textContent === '' && document.getElementById('flow-pick').value === 'console-thumb'`, 10*time.Second)
	var def struct {
		Version int
		Origin  struct{ Source string }
	}
	s.api(t, "GET", "/v1/flows/console-thumb", nil, &def)
	require.Equal(t, 1, def.Version)
	require.Equal(t, "api", def.Origin.Source)
	b.screenshot(t, "views-04-flow-saved")

	// Rules: a draft picking the new flow, checked and dry-run on the asset.
	draft := "- name: any-photo\n  when: \"width > 100\"\n  flow: console-thumb\n"
	b.do(t, "check a rules draft", chromedp.SetValue(chromedp.ID("rules-yaml"), draft), chromedp.Click(chromedp.ID("rules-validate")))
	b.poll(t, "draft valid", `document.getElementById('rules-msg').textContent.startsWith('The draft is valid: 1 rule')`, 10*time.Second)
	b.do(t, "dry-run", chromedp.SetValue(chromedp.ID("explain-asset"), asset.ID), chromedp.Click(chromedp.CSS("#explain-form button")))
	b.poll(t, "dry-run matched", `document.getElementById('explain-out').textContent.startsWith('Matched rule any-photo: flow console-thumb')`, 10*time.Second)
	b.screenshot(t, "views-05-rules")

	// Tasks: the list (GET /v1/tasks) shows a flow task, run once the
	// view is open, reaching succeeded.
	b.do(t, "open tasks", chromedp.Evaluate[chromedp.Void](`location.hash = '#tasks'`))
	b.poll(t, "tasks listed", `document.getElementById('tasks-count').textContent.endsWith('task(s).')`, 10*time.Second)
	var run struct{ Task struct{ ID string } }
	s.api(t, "POST", "/v1/flows/console-thumb/run", []byte(fmt.Sprintf(`{"asset_id":%q}`, asset.ID)), &run)
	b.poll(t, "flow task listed and succeeded", fmt.Sprintf(`(() => { const r = document.querySelector('#tasks li[data-task=%q] [data-state]');
		return r && r.dataset.state === 'succeeded'; })()`, run.Task.ID), 60*time.Second)
	require.True(t, eval[bool](t, b, `document.getElementById('tasks-count').textContent.endsWith('task(s).')`))
	b.do(t, "filter by flow", chromedp.SendKeys(chromedp.ID("t-kind"), "console-thumb"), chromedp.Click(chromedp.CSS("#tasks-filter button")))
	b.poll(t, "only the flow's task", fmt.Sprintf(`document.querySelectorAll('#tasks li[data-task]').length === 1 && !!document.querySelector('#tasks li[data-task=%q]')`, run.Task.ID), 10*time.Second)
	b.screenshot(t, "views-06-tasks")

	// Stats: charts, or a clear message when the server has no figures.
	b.do(t, "open stats", chromedp.Evaluate[chromedp.Void](`location.hash = '#stats'`))
	b.poll(t, "stats message", `document.getElementById('stats-msg').textContent.length > 0`, 10*time.Second)
	t.Logf("stats: %s", eval[string](t, b, `document.getElementById('stats-msg').textContent`))
	// The charts draw GET /v1/stats's groups (docs/api.md): three
	// percentile lines and a failure bar from a group's series.
	b.do(t, "draw a chart", chromedp.Evaluate[chromedp.Void](`import('/console/js/stats.js').then((m) => {
		const f = m.chart({key: {effect: 'w_300', region: 'eu'}, count: 3, failure_rate: 0.33, p50: 12, p95: 40, p99: 41,
			series: [{t: '2026-12-02T10:00:00Z', count: 2, failure_rate: 0, p50: 10, p95: 30, p99: 31},
			         {t: '2026-12-02T10:01:00Z', count: 1, failure_rate: 1, p50: 14, p95: 50, p99: 51}]});
		window.chartDrawn = [f.querySelectorAll('path').length, f.querySelectorAll('rect').length, f.textContent];
	})`))
	b.poll(t, "chart drawn", `Array.isArray(window.chartDrawn)`, 5*time.Second)
	drawn := eval[[]any](t, b, `window.chartDrawn`)
	require.Equal(t, []any{3.0, 1.0}, drawn[:2], "p50, p95, p99 lines and one failure bar")
	require.Contains(t, drawn[2], "w_300 · region eu")
	require.Contains(t, drawn[2], "p50 12.0 / p95 40.0 / p99 41.0 ms")

	// 360 px: the new views do not scroll sideways.
	b.do(t, "narrow viewport", chromedp.EmulateViewport(360, 780))
	for _, v := range []string{"url", "flows", "tasks"} {
		b.do(t, "open "+v, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#%s'`, v)), chromedp.Sleep(200*time.Millisecond))
		width := eval[[]int](t, b, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		require.LessOrEqual(t, width[0], width[1], "view %s scrolls sideways at 360 px: %v", v, width)
		b.screenshot(t, "views-07-narrow-"+v)
	}

	requests, problems := b.snapshot()
	for _, u := range requests {
		ok := strings.HasPrefix(u, s.base+"/") || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:")
		require.True(t, ok, "the page requested %s, outside %s", u, s.base)
	}
	// The refused operation and flow are answered 400, which Chromium logs.
	var unexpected []string
	for _, p := range problems {
		if strings.Contains(p, "status of 400") && (strings.HasSuffix(p, "/v1/sign") || strings.HasSuffix(p, "/v1/flows/console-thumb")) {
			continue
		}
		unexpected = append(unexpected, p)
	}
	require.Empty(t, unexpected, "console errors")
}
