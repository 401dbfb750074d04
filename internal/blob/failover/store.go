package failover

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob"
)

// Config configures a Store.
type Config struct {
	// Primary takes every write while it works; Secondary takes the writes
	// the primary failed.
	Primary, Secondary easel.BlobStore
	// PrimaryTimeout bounds a Put to the primary before it falls over to the
	// secondary; 0 leaves it to the primary's own timeouts.
	PrimaryTimeout time.Duration
	// JournalPath is the file that keeps what the reconciler owes across
	// restarts; empty keeps it in memory only.
	JournalPath string
	// SpoolDir holds the copy of a Put's data beyond SpoolMemory bytes,
	// kept to replay it to the secondary; empty means os.TempDir().
	SpoolDir string
	// SpoolMemory is how many bytes of a Put are kept in memory; 0 means 8 MiB.
	SpoolMemory int
	// Interval is the time between reconciler passes started by Start;
	// 0 means one minute.
	Interval time.Duration
	// Logger receives fall-overs and reconciler errors; nil discards them.
	Logger *slog.Logger
}

// Store is an easel.BlobStore over two origins. It is safe for concurrent use.
type Store struct {
	cfg     Config
	primary easel.BlobStore
	second  easel.BlobStore
	journal *journal
	log     *slog.Logger
	stats   counters
	rec     runner
}

var (
	_ easel.BlobStore  = (*Store)(nil)
	_ blob.RangeReader = (*Store)(nil)
)

// New returns a Store over cfg.Primary and cfg.Secondary, replaying the
// journal at cfg.JournalPath.
func New(cfg Config) (*Store, error) {
	if cfg.Primary == nil || cfg.Secondary == nil {
		return nil, errors.New("failover blob: primary and secondary are both required")
	}
	if cfg.SpoolMemory == 0 {
		cfg.SpoolMemory = 8 << 20
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j, err := openJournal(cfg.JournalPath)
	if err != nil {
		return nil, err
	}
	return &Store{cfg: cfg, primary: cfg.Primary, second: cfg.Secondary, journal: j, log: log}, nil
}

// Put stores r under key on the primary or, when that fails or times out,
// on the secondary, recording that the primary needs a copy. A failure of
// r itself, an invalid key or the end of ctx does not fall over.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	src := &sourceReader{r: r}
	sp := newSpool(src, s.cfg.SpoolMemory, s.cfg.SpoolDir)
	defer sp.close()

	pctx, cancel := ctx, context.CancelFunc(func() {})
	if s.cfg.PrimaryTimeout > 0 {
		pctx, cancel = context.WithTimeout(ctx, s.cfg.PrimaryTimeout)
	}
	perr := s.primary.Put(pctx, key, sp)
	cancel()
	if perr == nil {
		s.stats.primaryPuts.Add(1)
		return s.journal.clear(key)
	}
	if err := ctx.Err(); err != nil && !errors.Is(perr, err) {
		return fmt.Errorf("failover blob: put %q: %w (primary: %w)", key, err, perr)
	}
	if !s.fallsOver(ctx, perr) || src.err != nil || sp.err != nil {
		return perr
	}
	replay, err := sp.replay()
	if err != nil {
		return fmt.Errorf("failover blob: put %q: primary failed (%v), replay: %w", key, perr, err)
	}
	s.log.Warn("blob primary failed, writing to the secondary", "key", key, "err", perr)
	if serr := s.second.Put(ctx, key, replay); serr != nil {
		s.stats.failedPuts.Add(1)
		return easel.WrapError(easel.CodeUnavailable, fmt.Errorf("failover blob: put %q: primary: %w; secondary: %w", key, perr, serr),
			"neither blob origin could store %s; nothing was kept, try again later", key)
	}
	s.stats.secondaryPuts.Add(1)
	return s.journal.set(key, opCopyToPrimary)
}

// fallsOver reports whether err from the primary is a reason to try the
// secondary: not a bad argument, not the caller giving up.
func (s *Store) fallsOver(ctx context.Context, err error) bool {
	return ctx.Err() == nil && easel.ErrorCode(err) != easel.CodeInvalidArgument
}

// hidden reports whether key was deleted and is still owed a delete.
func (s *Store) hidden(key string) bool {
	o, ok := s.journal.get(key)
	return ok && o.hidesBlob()
}

// Get opens the blob from the primary, or from the secondary when the
// primary lacks it or fails.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.GetRange(ctx, key, 0, -1)
}

// GetRange reads a range from the primary, or from the secondary when the
// primary lacks the blob or fails (see blob.RangeReader).
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := blob.ValidateKey(key); err != nil {
		return nil, err
	}
	if err := blob.CheckRange(offset, length); err != nil {
		return nil, err
	}
	if s.hidden(key) {
		return nil, easel.Errorf(easel.CodeNotFound, "blob %s not found", key)
	}
	rc, perr := blob.GetRange(ctx, s.primary, key, offset, length)
	if perr == nil || !s.fallsOver(ctx, perr) {
		return rc, perr
	}
	rc, serr := blob.GetRange(ctx, s.second, key, offset, length)
	if serr == nil {
		s.stats.secondaryReads.Add(1)
		return rc, nil
	}
	return nil, bothFailed("get", key, perr, serr)
}

// bothFailed is the error of a read that neither side answered: not found
// only when both said so, else CodeUnavailable with the failure of the side
// that may hold the blob.
func bothFailed(op, key string, perr, serr error) error {
	var err error
	switch {
	case easel.IsNotFound(perr) && easel.IsNotFound(serr):
		return perr
	case easel.IsNotFound(perr):
		err = fmt.Errorf("failover blob: %s %q: secondary: %w", op, key, serr)
	default:
		err = fmt.Errorf("failover blob: %s %q: primary: %w; secondary: %w", op, key, perr, serr)
	}
	return easel.WrapError(easel.CodeUnavailable, err, "no blob origin answers for %s", key)
}

// Stat describes the blob from the primary, or from the secondary when the
// primary lacks it or fails.
func (s *Store) Stat(ctx context.Context, key string) (easel.BlobInfo, error) {
	if err := blob.ValidateKey(key); err != nil {
		return easel.BlobInfo{}, err
	}
	if s.hidden(key) {
		return easel.BlobInfo{}, easel.Errorf(easel.CodeNotFound, "blob %s not found", key)
	}
	bi, perr := s.primary.Stat(ctx, key)
	if perr == nil || !s.fallsOver(ctx, perr) {
		return bi, perr
	}
	bi, serr := s.second.Stat(ctx, key)
	if serr == nil {
		return bi, nil
	}
	return easel.BlobInfo{}, bothFailed("stat", key, perr, serr)
}

// Delete removes the blob from both origins. When only one side could be
// reached the other's delete is recorded for the reconciler and the blob
// reads as missing meanwhile; when neither could, the error is returned.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	perr := s.primary.Delete(ctx, key)
	serr := s.second.Delete(ctx, key)
	switch {
	case perr == nil && serr == nil:
		return s.journal.clear(key)
	case perr != nil && serr != nil:
		if s.hidden(key) {
			return nil // deleted as far as readers know; the reconciler finishes it
		}
		return fmt.Errorf("failover blob: delete %q: primary: %w; secondary: %w", key, perr, serr)
	case perr != nil:
		s.log.Warn("blob primary failed a delete; recorded for the reconciler", "key", key, "err", perr)
		return s.journal.set(key, opDeletePrimary)
	default:
		s.log.Warn("blob secondary failed a delete; recorded for the reconciler", "key", key, "err", serr)
		return s.journal.set(key, opDeleteSecondary)
	}
}

// Ping succeeds when the primary or the secondary works, since either can
// take writes; use PingEach for the state of each.
func (s *Store) Ping(ctx context.Context) error {
	perr, serr := s.PingEach(ctx)
	if perr != nil && serr != nil {
		return fmt.Errorf("failover blob: primary: %w; secondary: %w", perr, serr)
	}
	return nil
}

// PingEach pings both origins and returns their errors.
func (s *Store) PingEach(ctx context.Context) (primary, secondary error) {
	return s.primary.Ping(ctx), s.second.Ping(ctx)
}
