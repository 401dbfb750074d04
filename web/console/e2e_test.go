package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// firstLoad is what the Performance API says of the console's first load.
type firstLoad struct {
	TransferBytes float64 `json:"transfer"`
	BodyBytes     float64 `json:"body"`
	Resources     float64 `json:"resources"`
	DOMContentMS  float64 `json:"dcl"`
	LoadMS        float64 `json:"load"`
	ReadyMS       float64 `json:"ready"`
}

const measureFirstLoad = `(() => {
  const n = performance.getEntriesByType('navigation')[0];
  const r = performance.getEntriesByType('resource');
  const sum = (k) => r.reduce((s, e) => s + e[k], n[k]);
  return {transfer: sum('transferSize'), body: sum('encodedBodySize'), resources: r.length,
    dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, ready: Number(document.documentElement.dataset.readyAt || 0)};
})()`

// TestConsoleInBrowser drives the console in headless Chromium against a
// real `easel serve`: sign in, upload three files, see them in the grid,
// follow their tasks to succeeded, build a URL and load its preview; the
// page stays on its origin, logs no errors and fits a 360 px screen.
func TestConsoleInBrowser(t *testing.T) {
	s := startServer(t) // first: building easel may take minutes on a busy machine, the browser's clock is 4 min
	b := newBrowser(t)
	files := []string{
		testimages.Path(t, "faces/thumbor_Katherine_Maher_800px.jpg"),
		testimages.Path(t, "photos/mate_Wood.jpg"),
		testimages.Path(t, "faces/skimage_astronaut.png"),
	}

	// First load, on a fresh profile (nothing cached, browser cold), then
	// again with the HTTP cache disabled (every byte fetched, browser warm).
	ready := `document.documentElement.dataset.ready === 'true' && performance.getEntriesByType('navigation')[0].loadEventEnd > 0`
	b.do(t, "open the console", chromedp.Navigate(s.base+"/console/"))
	b.poll(t, "console ready", ready, 10*time.Second)
	for i, what := range []string{"cold browser", "warm browser, cache disabled"} {
		if i > 0 {
			_, err := chromedp.Call(b.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
			require.NoError(t, err)
			b.do(t, "reload", chromedp.Navigate(s.base+"/console/?again"))
			b.poll(t, "console ready again", ready, 10*time.Second)
			_, err = chromedp.Call(b.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: false})
			require.NoError(t, err)
		}
		fl := eval[firstLoad](t, b, measureFirstLoad)
		t.Logf("FIGURE console first load (%s): %.0f bytes transferred (%.0f body) in %d requests; DOMContentLoaded %.0f ms, load %.0f ms, modules run %.0f ms",
			what, fl.TransferBytes, fl.BodyBytes, int(fl.Resources)+1, fl.DOMContentMS, fl.LoadMS, fl.ReadyMS)
		require.LessOrEqual(t, fl.TransferBytes, 300.0*1024, "first load within 300 KB")
		require.Greater(t, fl.TransferBytes, 10.0*1024, "the Performance API saw the files")
		// The time is a figure (goal 500 ms), not a gate: the machine may be
		// busy; only a broken load (a module that never runs) fails here.
		require.Less(t, fl.LoadMS, 15000.0, "first load on the local server")
		if fl.LoadMS > 500 {
			t.Logf("first load (%s) over the 500 ms goal: %.0f ms", what, fl.LoadMS)
		}
	}
	b.screenshot(t, "01-signin")

	// Sign in: a wrong key is refused, the right one opens the assets.
	b.do(t, "type a wrong key", chromedp.SendKeys(chromedp.ID("apikey"), "ek_wrong"), chromedp.Click(chromedp.CSS("#signin-form button")))
	b.poll(t, "wrong key refused", `document.getElementById('signin-error').textContent.includes('not valid')`, 10*time.Second)
	b.do(t, "sign in", clearField("apikey"), chromedp.SendKeys(chromedp.ID("apikey"), s.apiKey), chromedp.Click(chromedp.CSS("#signin-form button")))
	b.poll(t, "assets view after sign-in", `!document.getElementById('view-assets').hidden`, 10*time.Second)
	require.False(t, eval[bool](t, b, `location.href.includes('ek_')`), "the key is never in the URL")
	require.Equal(t, s.apiKey, eval[string](t, b, `sessionStorage.getItem('easel.apiKey')`))

	// Upload three files through the file input, with operations.
	b.do(t, "open upload", chromedp.Evaluate[chromedp.Void](`location.hash = '#upload'`))
	b.poll(t, "upload view", `!document.getElementById('view-upload').hidden && document.activeElement.id === 'h-upload'`, 5*time.Second)
	b.do(t, "choose files",
		chromedp.SendKeys(chromedp.ID("upload-ops"), "w_200,h_200,c_fill,g_face,f_jpeg"),
		chromedp.SetUploadFiles(chromedp.ID("files"), files))
	b.poll(t, "three uploads stored", `document.getElementById('overall-text').textContent.startsWith('3 of 3 uploaded')`, 60*time.Second)
	require.Equal(t, 3, eval[int](t, b, `document.querySelectorAll('#upload-list progress').length`))
	t.Logf("upload mode: %s", eval[string](t, b, `document.getElementById('upload-mode').textContent`))
	require.True(t, eval[bool](t, b, `(() => { const p = document.getElementById('overall-progress'); return p.value === p.max; })()`))
	b.screenshot(t, "02-upload")

	// Their tasks reach succeeded, with per-stage timings.
	b.do(t, "open tasks", chromedp.Evaluate[chromedp.Void](`location.hash = '#tasks'`))
	b.poll(t, "three tasks succeeded", `document.querySelectorAll('#tasks [data-state=dead]').length === 0 && document.querySelectorAll('#tasks [data-state=succeeded]').length >= 3`, 120*time.Second)
	require.Greater(t, eval[int](t, b, `document.querySelectorAll('#tasks .stages span').length`), 0,
		"stage timings are drawn: %s", eval[string](t, b, `document.getElementById('tasks').outerHTML`))
	t.Logf("tasks mode: %s", eval[string](t, b, `document.getElementById('tasks-mode').textContent`))
	b.screenshot(t, "03-tasks")

	// The grid shows the three with thumbnails; the detail has hashes.
	b.do(t, "open assets", chromedp.Evaluate[chromedp.Void](`location.hash = '#assets'`))
	b.poll(t, "three thumbnails loaded", `[...document.querySelectorAll('#grid img')].filter((i) => i.complete && i.naturalWidth > 0).length >= 3`, 60*time.Second)
	b.poll(t, "a face outlined", `document.querySelectorAll('#grid .face').length > 0`, 60*time.Second)
	b.do(t, "open a detail", chromedp.Click(chromedp.CSS("#grid li.card button.open")))
	b.poll(t, "detail with hashes", `/SHA-256[\s\S]*pHash/.test(document.getElementById('asset-detail').innerText)`, 20*time.Second)
	b.screenshot(t, "04-assets")

	// URL builder: the preview loads the signed URL of the chosen operations.
	b.do(t, "open the URL builder", chromedp.Evaluate[chromedp.Void](`location.hash = '#url'`))
	b.do(t, "pick operations",
		chromedp.SetValue(chromedp.ID("u-c"), "fill"),
		chromedp.SendKeys(chromedp.ID("u-h"), "200"),
		chromedp.Click(chromedp.CSS(`input[value="e_grayscale"]`)),
		clearField("u-w"),
		chromedp.SendKeys(chromedp.ID("u-w"), "300"))
	b.poll(t, "preview loaded", `(() => { const i = document.getElementById('u-preview');
		return document.getElementById('u-ops').value === 'w_300,h_200,c_fill,e_grayscale,f_webp,q_80' &&
			/\/i\/[^/]+\/[^/]*w_300[^/]*\//.test(document.getElementById('u-out').value) &&
			i.getAttribute('src') && i.complete && i.naturalWidth > 0; })()`, 60*time.Second)
	require.Equal(t, []int{300, 200}, eval[[]int](t, b, `[document.getElementById('u-preview').naturalWidth, document.getElementById('u-preview').naturalHeight]`))
	signed := eval[string](t, b, `document.getElementById('u-out').value`)
	require.True(t, strings.HasPrefix(signed, s.base+"/i/"), signed)
	t.Logf("signed URL: %s (%s)", signed, eval[string](t, b, `document.getElementById('u-msg').textContent`))
	b.do(t, "copy", chromedp.Click(chromedp.ID("u-copy")))
	b.screenshot(t, "05-url-builder")

	// Views whose endpoints may be missing say so.
	for _, v := range []struct{ hash, msg string }{{"flows", "flows-msg"}, {"stats", "stats-msg"}} {
		b.do(t, "open "+v.hash, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#%s'`, v.hash)))
		b.poll(t, v.hash+" message", fmt.Sprintf(`document.getElementById('%s').textContent.length > 0`, v.msg), 10*time.Second)
		t.Logf("%s: %s", v.hash, eval[string](t, b, fmt.Sprintf(`document.getElementById('%s').textContent`, v.msg)))
	}

	// Every control has a label.
	unlabelled := eval[[]string](t, b, `[...document.querySelectorAll('input, select, textarea')]
		.filter((e) => !e.labels?.length && !e.getAttribute('aria-label')).map((e) => e.id || e.outerHTML)`)
	require.Empty(t, unlabelled, "controls without a label")

	// 360 px wide: no view scrolls sideways.
	b.do(t, "narrow viewport", chromedp.EmulateViewport(360, 780))
	for _, v := range []string{"assets", "upload", "tasks", "url", "flows", "stats"} {
		b.do(t, "open "+v, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#%s'`, v)), chromedp.Sleep(200*time.Millisecond))
		width := eval[[]int](t, b, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		require.LessOrEqual(t, width[0], width[1], "view %s scrolls sideways at 360 px: %v", v, width)
		text := eval[string](t, b, `document.querySelector('main').innerText`)
		require.NotRegexp(t, `\[object |\bundefined\b|\bnull\b|NaN`, text, "view %s shows a value the code failed to format", v)
		b.screenshot(t, "06-narrow-"+v)
	}

	requests, problems := b.snapshot()
	for _, u := range requests {
		ok := strings.HasPrefix(u, s.base+"/") || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:")
		require.True(t, ok, "the page requested %s, outside %s", u, s.base)
	}
	t.Logf("%d requests, all to %s", len(requests), s.base)
	// Chromium logs the 401 of the wrong key tried at sign-in: expected once.
	var unexpected []string
	refused := 0
	for _, p := range problems {
		if strings.Contains(p, "status of 401") && strings.HasSuffix(p, "/v1/assets?limit=1") {
			refused++
			continue
		}
		unexpected = append(unexpected, p)
	}
	require.Equal(t, 1, refused, "the wrong key was refused once: %v", problems)
	require.Empty(t, unexpected, "console errors")
}

// clearField empties a text field, as selecting its text and deleting would.
func clearField(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = ''`, id))
}
