// Package purge tells front caches (Varnish) that an asset is gone: each
// address in delivery.purge_urls is sent "BAN /" with the header
// X-Easel-Ban: <asset id>, which deploy/varnish/easel.vcl turns into a ban
// of every cached object whose X-Easel-Asset is that id.
package purge

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds one ban request when Config.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// Config configures Banner.
type Config struct {
	URLs    []string      // Varnish addresses, e.g. http://127.0.0.1:6081
	Timeout time.Duration // per ban request; zero means DefaultTimeout
}

// Banner sends bans to every configured front cache.
type Banner struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
}

// New returns a Banner, or nil when there is no URL (a nil Banner's Ban
// does nothing).
func New(cfg Config, log *slog.Logger) *Banner {
	if len(cfg.URLs) == 0 {
		return nil
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Banner{cfg: cfg, client: &http.Client{Timeout: cfg.Timeout}, log: log}
}

// Ban bans the asset's cached objects on every front cache at once and
// returns when each has answered or timed out. Failures are logged, never
// returned: the asset is deleted either way, and Varnish's own TTL bounds
// what a missed ban leaves behind.
func (b *Banner) Ban(ctx context.Context, assetID string) {
	if b == nil {
		return
	}
	ctx = context.WithoutCancel(ctx) // a client that leaves does not cancel the ban
	var wg sync.WaitGroup
	for _, u := range b.cfg.URLs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.ban(ctx, u, assetID); err != nil {
				b.log.Warn("front cache ban failed", "url", u, "asset", assetID, "err", err)
			}
		}()
	}
	wg.Wait()
}

func (b *Banner) ban(ctx context.Context, base, assetID string) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "BAN", strings.TrimSuffix(base, "/")+"/", nil)
	if err != nil {
		return fmt.Errorf("purge: ban %q: %w", base, err)
	}
	req.Header.Set("X-Easel-Ban", assetID)
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("purge: ban %q: %w", base, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("purge: ban %q: status %d", base, resp.StatusCode)
	}
	return nil
}
