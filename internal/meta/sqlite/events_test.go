package sqlite_test

import (
	"testing"

	"github.com/easelhq/easel/internal/meta/metatest"
)

func TestEventOutbox(t *testing.T) {
	t.Parallel()
	metatest.RunEvents(t, func(t *testing.T) metatest.EventStore {
		s, _ := open(t)
		return s
	})
}
