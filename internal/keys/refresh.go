package keys

import (
	"context"
	"log/slog"
	"time"
)

// Run keeps the signing keys held in memory current until ctx is done:
// every Config.Refresh it reads the store's SigningKeysVersion (one small
// query) and, when another node created or revoked a key since the keys were
// loaded, reloads them. A revoked key
// therefore stops verifying on every node within Refresh. log may be nil.
func (k *Keys) Run(ctx context.Context, log *slog.Logger) error {
	tick := time.NewTicker(k.cfg.Refresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := k.Refresh(ctx); err != nil && ctx.Err() == nil && log != nil {
			log.Warn("signing keys not refreshed; keeping the keys in memory", "err", err)
		}
	}
}

// Refresh compares the store's signing keys version with the one the keys in
// memory were read at, and reloads them when it changed.
func (k *Keys) Refresh(ctx context.Context) error {
	k.mu.RLock()
	loaded, version := k.signing != nil, k.version
	k.mu.RUnlock()
	if !loaded {
		return nil // nothing held: the next use loads the keys
	}
	v, err := k.meta.SigningKeysVersion(ctx)
	if err != nil {
		return err
	}
	if v == version {
		return nil
	}
	return k.reload(ctx) // replaces the keys at once: verifications go on meanwhile
}
