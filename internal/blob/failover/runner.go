package failover

import (
	"context"
	"errors"
	"sync"
	"time"
)

// runner runs reconciler passes in the background.
type runner struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// Start runs a reconciler pass now and then every Config.Interval until ctx
// ends or Stop is called. It returns at once; starting twice is an error.
func (s *Store) Start(ctx context.Context) error {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	if s.rec.done != nil {
		return errors.New("failover blob: reconciler already started")
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	s.rec.cancel, s.rec.done = cancel, done
	go func() {
		defer close(done)
		t := time.NewTicker(s.cfg.Interval)
		defer t.Stop()
		for {
			p, err := s.Reconcile(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("blob reconciler pass left work undone", "err", err, "errors", p.Errors)
			} else if p.CopiedToPrimary+p.CopiedToSecondary+p.Replayed > 0 {
				s.log.Info("blob reconciler pass", "to_primary", p.CopiedToPrimary, "to_secondary", p.CopiedToSecondary, "replayed", p.Replayed)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// Stop stops the reconciler and returns when its pass has ended. It is
// idempotent, and safe when Start was never called.
func (s *Store) Stop() {
	s.rec.mu.Lock()
	cancel, done := s.rec.cancel, s.rec.done
	s.rec.mu.Unlock()
	if done == nil {
		return
	}
	cancel()
	<-done
}

// Close stops the reconciler and closes the journal.
func (s *Store) Close() error {
	s.Stop()
	return s.journal.close()
}
