package app

import (
	"context"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/httpapi"
)

// readyChecks are the checks of /readyz, one per backend, each named with
// the backend in use: metadata, blobs (ready while one origin answers),
// blobs.primary and blobs.secondary (reported, not required, when there
// are two), queue and face_detector.
func readyChecks(cfg config.Config, meta Store, ob *openedBlobs, q easel.Queue, faces string) []httpapi.Checker {
	checks := []httpapi.Checker{{Name: "metadata", Ping: meta.Ping, Detail: cfg.Meta.Backend}}
	if ob.Secondary == nil {
		checks = append(checks, httpapi.Checker{Name: "blobs", Ping: ob.Store.Ping, Detail: ob.Backends[0]})
	} else {
		checks = append(checks,
			httpapi.Checker{Name: "blobs", Ping: ob.Store.Ping, Detail: ob.Backends[0] + " with " + ob.Backends[1] + " failover"},
			httpapi.Checker{Name: "blobs.primary", Ping: ob.Primary.Ping, Detail: ob.Backends[0], Optional: true},
			httpapi.Checker{Name: "blobs.secondary", Ping: ob.Secondary.Ping, Detail: ob.Backends[1], Optional: true})
	}
	queue := "nats (embedded)"
	if cfg.Queue.URL != "" {
		queue = "nats"
	}
	return append(checks,
		httpapi.Checker{Name: "queue", Ping: q.Ping, Detail: queue},
		httpapi.Checker{Name: "face_detector", Ping: func(context.Context) error { return nil }, Detail: faces})
}
