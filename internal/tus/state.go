package tus

import (
	"context"
	"sync"
	"time"
)

// reqState carries what one request learned between the handler wrapper,
// tusd and the data store: who asks, and what the response must say.
type reqState struct {
	tenant   string
	maxBytes int64

	mu        sync.Mutex
	err       error // the first error of ours; written with Config.WriteError
	assetID   string
	expiresAt time.Time
}

type stateKey struct{}

func withState(ctx context.Context, st *reqState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

// stateFrom returns the request's state; a context without one (a call not
// made through Handler) gets an empty state, which owns no upload.
func stateFrom(ctx context.Context) *reqState {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// fail records err as the error to answer with, unless one is recorded
// already, and returns it.
func (st *reqState) fail(err error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.err == nil {
		st.err = err
	}
	return err
}

// seen records what the response about rec must carry.
func (st *reqState) seen(rec record) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.assetID = rec.AssetID
	st.expiresAt = time.Time{}
	if rec.AssetID == "" && rec.Offset < rec.Size {
		st.expiresAt = rec.ExpiresAt
	}
}

func (st *reqState) snapshot() (err error, assetID string, expiresAt time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err, st.assetID, st.expiresAt
}
