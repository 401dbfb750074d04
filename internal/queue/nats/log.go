package nats

import (
	"context"
	"fmt"
	"log/slog"
)

// serverLogger passes the embedded server's warnings and errors to slog and
// drops its notices, debug and trace lines.
type serverLogger struct{ log *slog.Logger }

func (l serverLogger) Noticef(string, ...any) {}
func (l serverLogger) Debugf(string, ...any)  {}
func (l serverLogger) Tracef(string, ...any)  {}

func (l serverLogger) Warnf(format string, v ...any) {
	l.log.Log(context.Background(), slog.LevelWarn, fmt.Sprintf(format, v...))
}

func (l serverLogger) Errorf(format string, v ...any) {
	l.log.Log(context.Background(), slog.LevelError, fmt.Sprintf(format, v...))
}

func (l serverLogger) Fatalf(format string, v ...any) {
	l.log.Log(context.Background(), slog.LevelError, fmt.Sprintf(format, v...))
}
