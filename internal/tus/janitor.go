package tus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// Start runs the janitor until ctx ends or Stop is called: every
// Config.JanitorInterval it deletes up to Config.JanitorBatch expired
// uploads. Deleting is idempotent: a pass cut short is finished by the next.
func (h *Handler) Start(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel != nil {
		return errors.New("tus: janitor already started")
	}
	ctx, cancel := context.WithCancel(ctx)
	h.cancel = cancel
	h.stopped = make(chan struct{})
	go func() {
		defer close(h.stopped)
		tick := time.NewTicker(h.cfg.JanitorInterval)
		defer tick.Stop()
		for {
			if _, err := h.Sweep(ctx); err != nil && ctx.Err() == nil {
				h.log.Error("deleting expired uploads", "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}

// Stop stops the janitor and returns when it has stopped. Stopping a
// stopped or never started janitor does nothing.
func (h *Handler) Stop() {
	h.mu.Lock()
	cancel, stopped := h.cancel, h.stopped
	h.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-stopped
}

// Sweep deletes up to Config.JanitorBatch expired uploads, and parts left
// without a record for longer than Config.Expiry, and reports how many
// uploads it deleted. An upload a request of this process holds (a PATCH
// outlasting the expiry) is left for a later pass.
func (h *Handler) Sweep(ctx context.Context) (int, error) {
	type seen struct {
		hasInfo bool
		newest  time.Time
	}
	uploads := map[string]*seen{}
	var order []string
	err := h.store.blobs.List(ctx, uploadsPrefix, func(bi easel.BlobInfo) error {
		id, name, ok := strings.Cut(strings.TrimPrefix(bi.Key, uploadsPrefix), "/")
		if !ok {
			return nil
		}
		s := uploads[id]
		if s == nil {
			s = &seen{}
			uploads[id] = s
			order = append(order, id)
		}
		s.hasInfo = s.hasInfo || name == "info.json"
		if bi.ModTime.After(s.newest) {
			s.newest = bi.ModTime
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tus: listing uploads: %w", err)
	}
	now := h.store.now()
	deleted := 0
	for _, id := range order {
		if deleted == h.cfg.JanitorBatch || ctx.Err() != nil {
			break
		}
		s := uploads[id]
		expired := !s.hasInfo && now.Sub(s.newest) > h.cfg.Expiry
		if s.hasInfo {
			rec, err := h.store.loadRecord(ctx, id)
			switch {
			case easel.IsNotFound(err):
				continue // deleted meanwhile
			case err != nil:
				return deleted, err
			}
			expired = !now.Before(rec.ExpiresAt)
		}
		if !expired || h.locks.isHeld(id) {
			continue
		}
		if err := h.store.deleteUpload(ctx, id); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}
