package failover

import (
	"context"
	"fmt"

	"github.com/easelhq/easel"
)

// cursorEvery is how many walked keys go between two saves of the cursor.
const cursorEvery = 256

// maxFailuresInARow ends a pass early: an origin that failed this many steps
// in a row is taken to be down, and the next pass tries again.
const maxFailuresInARow = 8

// Pass is what one reconciler pass did.
type Pass struct {
	Replayed          int // journal entries settled
	Walked            int // keys seen by the walk
	CopiedToPrimary   int
	CopiedToSecondary int
	Errors            int // failed steps; they are retried by the next pass
}

// Reconcile runs one pass: it settles what the journal owes, then walks both
// origins from the saved cursor and copies what one side lacks. A step that
// fails is counted, left for the next pass, and the first such error is
// returned after the pass. Running it again, or in several processes at
// once, is harmless: every step is idempotent.
func (s *Store) Reconcile(ctx context.Context) (Pass, error) {
	var p Pass
	firstErr := s.replayJournal(ctx, &p)
	if err := s.walk(ctx, &p); err != nil && firstErr == nil {
		firstErr = err
	}
	s.stats.passes.Add(1)
	if firstErr != nil {
		s.stats.passErrors.Add(1)
	}
	return p, firstErr
}

func (s *Store) replayJournal(ctx context.Context, p *Pass) error {
	var firstErr error
	inARow := 0
	fail := func(err error) {
		inARow++
		p.Errors++
		s.stats.stepErrors.Add(1)
		if firstErr == nil {
			firstErr = err
		}
	}
	for _, r := range s.journal.snapshot() {
		if ctx.Err() != nil {
			fail(ctx.Err())
			break
		}
		if inARow >= maxFailuresInARow {
			break
		}
		var err error
		switch r.Op {
		case opCopyToPrimary:
			err = s.copy(ctx, s.second, s.primary, r.Key)
			if err == nil {
				p.CopiedToPrimary++
				s.stats.copiedToPrimary.Add(1)
			}
		case opDeletePrimary:
			err = s.primary.Delete(ctx, r.Key)
		case opDeleteSecondary:
			err = s.second.Delete(ctx, r.Key)
		}
		if err == nil || easel.IsNotFound(err) {
			err = s.journal.done(r.Key, r.Op)
		}
		if err != nil {
			fail(fmt.Errorf("failover blob: reconcile %s %q: %w", r.Op, r.Key, err))
			continue
		}
		inARow = 0
		p.Replayed++
		s.stats.replayed.Add(1)
	}
	return firstErr
}

// copy copies the blob under key from src to dst. A blob gone from src
// meanwhile is an easel.CodeNotFound error.
func (s *Store) copy(ctx context.Context, src, dst easel.BlobStore, key string) error {
	rc, err := src.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	return dst.Put(ctx, key, rc)
}

// listed is one key from one side's listing, or the listing's end.
type listed struct {
	key  string
	info easel.BlobInfo
	err  error
	end  bool
}

// list streams the blobs of st under prefix and after cursor into a
// channel, in key order.
func list(ctx context.Context, st easel.BlobStore, prefix, after string) <-chan listed {
	ch := make(chan listed, 64)
	go func() {
		err := st.List(ctx, prefix, func(bi easel.BlobInfo) error {
			if bi.Key <= after {
				return nil
			}
			select {
			case ch <- listed{key: bi.Key, info: bi}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		select {
		case ch <- listed{err: err, end: true}:
		case <-ctx.Done():
		}
	}()
	return ch
}

// walk merges the two listings and copies each key that only one side has,
// saving the cursor as it goes and clearing it at the end.
func (s *Store) walk(ctx context.Context, p *Pass) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cursor := s.journal.getCursor()
	pch, sch := list(ctx, s.primary, "", cursor), list(ctx, s.second, "", cursor)
	next := func(ch <-chan listed) (listed, error) {
		select {
		case l := <-ch:
			return l, l.err
		case <-ctx.Done():
			return listed{}, ctx.Err()
		}
	}
	pk, err := next(pch)
	if err != nil {
		return fmt.Errorf("failover blob: reconcile: list primary: %w", err)
	}
	sk, err := next(sch)
	if err != nil {
		return fmt.Errorf("failover blob: reconcile: list secondary: %w", err)
	}
	var firstErr error
	inARow := 0
	for !pk.end || !sk.end {
		var key string
		var from, to easel.BlobStore
		toPrimary := false
		switch {
		case !pk.end && !sk.end && pk.key == sk.key:
			key = pk.key
		case sk.end || (!pk.end && pk.key < sk.key):
			key, from, to = pk.key, s.primary, s.second
		default:
			key, from, to, toPrimary = sk.key, s.second, s.primary, true
		}
		p.Walked++
		s.stats.walked.Add(1)
		if from != nil && !s.hidden(key) {
			switch err := s.copy(ctx, from, to, key); {
			case err == nil:
				inARow = 0
				if toPrimary {
					p.CopiedToPrimary++
					s.stats.copiedToPrimary.Add(1)
				} else {
					p.CopiedToSecondary++
					s.stats.copiedToSecondary.Add(1)
				}
			case easel.IsNotFound(err): // deleted meanwhile
			default:
				p.Errors++
				s.stats.stepErrors.Add(1)
				if firstErr == nil {
					firstErr = fmt.Errorf("failover blob: reconcile: copy %q: %w", key, err)
				}
				if inARow++; inARow >= maxFailuresInARow {
					return firstErr
				}
			}
		}
		if p.Walked%cursorEvery == 0 && firstErr == nil {
			if err := s.journal.setCursor(key); err != nil {
				return err
			}
		}
		if !pk.end && pk.key == key {
			if pk, err = next(pch); err != nil {
				return fmt.Errorf("failover blob: reconcile: list primary: %w", err)
			}
		}
		if !sk.end && sk.key == key {
			if sk, err = next(sch); err != nil {
				return fmt.Errorf("failover blob: reconcile: list secondary: %w", err)
			}
		}
	}
	if firstErr != nil {
		return firstErr // the cursor stays before the failed key
	}
	return s.journal.setCursor("")
}
