package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/telemetry"
)

var _ easel.Queue = (*Queue)(nil)

// Queue is an easel.Queue on NATS JetStream. Its methods are safe for
// concurrent use.
type Queue struct {
	cfg   Config
	log   *slog.Logger
	names names
	srv   *server.Server // embedded server, nil for an external one
	nc    *nats.Conn
	js    jetstream.JetStream
	// tracer is nil when tracing is off.
	tracer trace.Tracer

	ensureMu  sync.Mutex // serialises ensure
	consumers atomic.Pointer[consumers]
	// wantRequests: ConsumeRequests was called, so ensure keeps the
	// requests stream and consumer too (only processes that consume
	// requests make them).
	wantRequests atomic.Bool
	closed       atomic.Bool
	close        sync.Once
}

// Open connects to the server of cfg (starting the embedded one when
// cfg.URL is empty) and creates the streams and consumers that are missing.
// It fails after cfg.ConnectTimeout when the server cannot be reached.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Queue, error) {
	if err := cfg.Validate(); err != nil {
		return nil, easel.WrapError(easel.CodeInvalidArgument, err, "invalid queue config")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{cfg: cfg, log: log.With("component", "queue"), names: newNames(cfg.Prefix)}
	if cfg.TracerProvider != nil {
		q.tracer = telemetry.Tracer(cfg.TracerProvider)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()

	var err error
	if cfg.URL == "" {
		err = q.startEmbedded()
	} else {
		err = q.connectExternal()
	}
	if err != nil {
		q.shutdown()
		return nil, err
	}
	q.js, err = jetstream.New(q.nc, jetstream.WithDefaultTimeout(cfg.RequestTimeout))
	if err == nil {
		err = q.ensure(ctx)
	}
	if err != nil {
		q.shutdown()
		return nil, easel.WrapError(easel.CodeInternal, err, "queue unavailable")
	}
	return q, nil
}

func (q *Queue) startEmbedded() error {
	opts := &server.Options{
		ServerName: "easel-" + q.cfg.Prefix,
		JetStream:  true,
		StoreDir:   q.cfg.EmbeddedDir,
		Host:       "127.0.0.1",
		NoSigs:     true,
	}
	switch q.cfg.EmbeddedPort {
	case -1:
		opts.DontListen = true
	case 0:
		opts.Port = server.RANDOM_PORT
	default:
		opts.Port = q.cfg.EmbeddedPort
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return easel.WrapError(easel.CodeInternal, err, "start embedded nats server")
	}
	srv.SetLoggerV2(serverLogger{q.log.With("component", "nats-server")}, false, false, false)
	q.srv = srv
	srv.Start()
	if !srv.ReadyForConnections(q.cfg.ConnectTimeout) {
		return easel.Errorf(easel.CodeInternal, "embedded nats server not ready after %v", q.cfg.ConnectTimeout)
	}
	q.nc, err = nats.Connect("", nats.InProcessServer(srv), nats.Name("easel"),
		nats.Timeout(q.cfg.ConnectTimeout), nats.MaxReconnects(-1), nats.ReconnectBufSize(-1))
	if err != nil {
		return easel.WrapError(easel.CodeInternal, err, "connect to embedded nats server")
	}
	return nil
}

func (q *Queue) connectExternal() error {
	var err error
	q.nc, err = nats.Connect(q.cfg.URL,
		nats.Name("easel"),
		nats.Timeout(q.cfg.ConnectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		// Fail publishes at once while disconnected instead of buffering
		// them where nobody waits for their acks.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if !q.closed.Load() {
				q.log.Warn("nats disconnected", "error", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			q.log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
			// A server that restarted with a fresh store lost the streams.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), q.cfg.RequestTimeout)
				defer cancel()
				if err := q.ensure(ctx); err != nil && !q.closed.Load() {
					q.log.Warn("re-create streams after reconnect", "error", err)
				}
			}()
		}),
	)
	if err != nil {
		return easel.WrapError(easel.CodeInternal, err, "queue unavailable")
	}
	return nil
}

// Ping checks a round trip to the server and the JetStream account.
func (q *Queue) Ping(ctx context.Context) error {
	if err := q.available(); err != nil {
		return err
	}
	ctx, cancel := q.requestCtx(ctx)
	defer cancel()
	d, _ := ctx.Deadline()
	if err := q.nc.FlushTimeout(time.Until(d)); err != nil {
		return unavailable(err)
	}
	if _, err := q.js.AccountInfo(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// Close closes the connection and stops the embedded server, waiting for it.
// It is idempotent.
func (q *Queue) Close() error {
	q.close.Do(q.shutdown)
	return nil
}

func (q *Queue) shutdown() {
	q.closed.Store(true)
	if q.nc != nil {
		q.nc.Close()
	}
	if q.srv != nil {
		q.srv.Shutdown()
		q.srv.WaitForShutdown()
	}
}

// available fails fast while the connection is down.
func (q *Queue) available() error {
	switch st := q.nc.Status(); st {
	case nats.CONNECTED:
		return nil
	case nats.CLOSED:
		return easel.WrapError(easel.CodeInternal, nats.ErrConnectionClosed, "queue closed")
	default:
		return unavailable(fmt.Errorf("nats connection %s", st))
	}
}

// unavailable wraps a server or connection error.
func unavailable(err error) error {
	var e *easel.Error
	if errors.As(err, &e) {
		return err
	}
	return easel.WrapError(easel.CodeInternal, err, "queue unavailable")
}

// requestCtx bounds ctx by the request timeout.
func (q *Queue) requestCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, q.cfg.RequestTimeout)
}
