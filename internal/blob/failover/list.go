package failover

import (
	"context"
	"fmt"

	"github.com/easelhq/easel"
)

// List calls fn for every blob under prefix on either origin, once per key,
// in key order; blobs deleted but still owed a delete are left out. Both
// origins must answer: a listing of one side alone could miss blobs.
func (s *Store) List(ctx context.Context, prefix string, fn func(easel.BlobInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pch, sch := list(ctx, s.primary, prefix, ""), list(ctx, s.second, prefix, "")
	next := func(side string, ch <-chan listed) (listed, error) {
		select {
		case l := <-ch:
			if l.err != nil {
				return l, fmt.Errorf("failover blob: list %q: %s: %w", prefix, side, l.err)
			}
			return l, nil
		case <-ctx.Done():
			return listed{}, ctx.Err()
		}
	}
	pk, err := next("primary", pch)
	if err != nil {
		return err
	}
	sk, err := next("secondary", sch)
	if err != nil {
		return err
	}
	for !pk.end || !sk.end {
		var cur listed
		switch {
		case sk.end || (!pk.end && pk.key <= sk.key):
			cur = pk
		default:
			cur = sk
		}
		if !s.hidden(cur.key) {
			if err := fn(cur.info); err != nil {
				return err
			}
		}
		if !pk.end && pk.key == cur.key {
			if pk, err = next("primary", pch); err != nil {
				return err
			}
		}
		if !sk.end && sk.key == cur.key {
			if sk, err = next("secondary", sch); err != nil {
				return err
			}
		}
	}
	return nil
}
