// Package httpapi is easel's HTTP surface: the asset API under /v1, delivery
// URLs under /i/, health, readiness and metrics. It is the only package that
// turns an easel error code into an HTTP status.
package httpapi
