package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/failover"
	blobfs "github.com/easelhq/easel/internal/blob/fs"
	blobs3 "github.com/easelhq/easel/internal/blob/s3"
	"github.com/easelhq/easel/internal/config"
)

// openedBlobs is the blob store the configuration names, with what the
// process must run and expose for it.
type openedBlobs struct {
	// Store is the blob store: one origin, or two behind a failover.Store.
	Store easel.BlobStore
	// Collector has the failover metrics; nil without a secondary.
	Collector prometheus.Collector
	// Primary is the first origin; Secondary the second, or nil. Backends
	// name their kinds ("fs", "s3"), for /readyz.
	Primary, Secondary easel.BlobStore
	Backends           [2]string
	// Start starts the reconciler (a no-op without a secondary); Close
	// stops it and releases the journal. Both are safe to call once each.
	Start func(ctx context.Context) error
	Close func() error
}

// openBlobs opens the blob store(s) that cfg.Blob names: this is the one
// switch over blob backends. A single s3 origin must answer at start (its
// error names the setting at fault); with a secondary, a misconfigured
// origin still fails the start, but one that is merely unreachable is
// tolerated while the other answers.
//
// app.New calls it in place of OpenBlobs:
//
//	ob, err := openBlobs(ctx, cfg, log)
//	// a.Blobs = ob.Store; ob.Start(ctx) once running; ob.Close() in Close;
//	// register ob.Collector (when not nil) on the app's metrics registry.
func openBlobs(ctx context.Context, cfg config.Config, log *slog.Logger) (*openedBlobs, error) {
	b := cfg.Blob
	noop := &openedBlobs{Start: func(context.Context) error { return nil }, Close: func() error { return nil }}
	if b.Secondary.Backend == "" {
		st, err := openOrigin(ctx, cfg, b.Backend, b.Path, b.S3, "blob", true)
		if err != nil {
			return nil, err
		}
		noop.Store, noop.Primary, noop.Backends = st, st, [2]string{b.Backend}
		return noop, nil
	}
	primary, err := openOrigin(ctx, cfg, b.Backend, b.Path, b.S3, "blob", false)
	if err != nil {
		return nil, err
	}
	secondary, err := openOrigin(ctx, cfg, b.Secondary.Backend, b.Secondary.Path, b.Secondary.S3, "blob.secondary", false)
	if err != nil {
		return nil, err
	}
	perr, serr := primary.Ping(ctx), secondary.Ping(ctx)
	for _, e := range []error{perr, serr} {
		if e != nil && !blobs3.IsUnreachable(e) {
			return nil, e
		}
	}
	if perr != nil && serr != nil {
		return nil, fmt.Errorf("blob: neither origin answers: %w", errors.Join(perr, serr))
	}
	if perr != nil || serr != nil {
		log.Warn("blob origin down at start; the other takes over", "err", errors.Join(perr, serr))
	}
	journal := b.Secondary.Journal
	if journal == "" {
		journal = filepath.Join(cfg.Data, "blob-journal")
	}
	fo, err := failover.New(failover.Config{
		Primary: primary, Secondary: secondary,
		PrimaryTimeout: b.Secondary.PrimaryTimeout,
		JournalPath:    journal,
		Interval:       b.Secondary.SyncInterval,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	return &openedBlobs{Store: fo, Collector: fo.Collector(), Start: fo.Start, Close: sync.OnceValue(fo.Close),
		Primary: primary, Secondary: secondary, Backends: [2]string{b.Backend, b.Secondary.Backend}}, nil
}

// openOrigin opens one origin. name is "blob" or "blob.secondary", for
// error messages; check pings an s3 origin before returning it.
func openOrigin(ctx context.Context, cfg config.Config, backend, path string, s3 config.BlobS3, name string, check bool) (easel.BlobStore, error) {
	switch backend {
	case "fs":
		if path == "" {
			path = filepath.Join(cfg.Data, "blobs")
		}
		st, err := blobfs.New(blobfs.Config{Dir: path})
		if err != nil {
			return nil, fmt.Errorf("%s.path: %w", name, err)
		}
		return st, nil
	case "s3":
		sc := blobs3.Config{
			Endpoint: s3.Endpoint, Bucket: s3.Bucket, Region: s3.Region,
			AccessKey: s3.AccessKey, SecretKey: s3.SecretKey,
			PathStyle: s3.PathStyle, Prefix: s3.Prefix, Timeout: s3.Timeout,
			Setting: name + ".s3",
		}
		if check {
			return blobs3.New(ctx, sc)
		}
		return blobs3.NewUnchecked(sc)
	default:
		return nil, fmt.Errorf("config: %s.backend %q: want fs or s3", name, backend)
	}
}
