package console_test

import (
	"testing"

	"github.com/easelhq/easel/internal/testserve"
)

// server is a running `easel serve`, built from this repository.
type server struct {
	base   string // http://127.0.0.1:port
	apiKey string
}

// startServer runs `easel serve` (internal/testserve) with the extra
// environment; t.Cleanup kills it.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	s := testserve.Start(t, testserve.Options{Env: env})
	return &server{base: s.Base, apiKey: s.APIKey}
}
