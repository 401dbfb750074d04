package console_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/web/console"
)

func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET "+console.Prefix, console.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name, path string
		status     int
		typ, body  string
	}{
		{name: "index", path: "/console/", status: 200, typ: "text/html", body: "<title>easel console</title>"},
		{name: "stylesheet", path: "/console/app.css", status: 200, typ: "text/css", body: ".grid"},
		{name: "module", path: "/console/js/main.js", status: 200, typ: "text/javascript", body: "import"},
		{name: "missing file", path: "/console/nope.js", status: 404},
		{name: "no escape from the files", path: "/console/../go.mod", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, string(b))
			if tc.status != 200 {
				return
			}
			require.Contains(t, resp.Header.Get("Content-Type"), tc.typ)
			require.Contains(t, string(b), tc.body)
			csp := resp.Header.Get("Content-Security-Policy")
			require.Contains(t, csp, "default-src 'self'")
			require.Contains(t, csp, "connect-src 'self'")
			require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
		})
	}
}

// TestFilesStayOnOrigin checks that no file names another origin (the only
// absolute URL allowed is the SVG namespace, which is never fetched) and
// that the whole console stays under the 300 KB first-load budget.
func TestFilesStayOnOrigin(t *testing.T) {
	absolute := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	total := 0
	err := fs.WalkDir(console.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(console.FS, path)
		if err != nil {
			return err
		}
		total += len(b)
		for _, m := range absolute.FindAllString(string(b), -1) {
			if strings.HasSuffix(m, "www.w3.org") {
				continue
			}
			t.Errorf("%s names another origin: %s", path, m)
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("console files: %d bytes", total)
	require.LessOrEqual(t, total, 300<<10)
}
