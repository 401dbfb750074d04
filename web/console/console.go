package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// FS holds the console's files, index.html at its root.
var FS fs.FS = mustSub(static, "static")

// Prefix is the path the console is served under.
const Prefix = "/console/"

// contentSecurityPolicy keeps every request of the page on the server's own
// origin: no CDN, no third-party script, image or connection.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; " +
	"script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Handler serves the console under Prefix (mount it at "GET /console/").
// A request for a directory is answered with its index.html; the files are
// revalidated on every load (no-cache) so that a new binary's console is
// picked up at once, and carry a Content-Security-Policy of 'self' only.
func Handler() http.Handler {
	files := http.StripPrefix(strings.TrimSuffix(Prefix, "/"), http.FileServerFS(FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic("console: " + err.Error())
	}
	return sub
}
