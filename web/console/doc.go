// Package console is easel's web console: static HTML, CSS and JavaScript
// modules embedded in the binary and served at /console/.
//
// The console has no build step and fetches nothing outside the server's
// origin: its Content-Security-Policy allows only 'self'. It signs in with an
// API key kept in the tab's sessionStorage and talks to the /v1 API with
// `Authorization: Bearer`. Endpoints it uses that a server may not have yet
// (tus at /v1/uploads, POST /v1/sign, task events, flows, rules, stats) are
// probed and, when missing, reported on the page instead of failing.
package console
