package sqlite_test

import (
	"testing"

	"github.com/easelhq/easel/internal/meta/metatest"
)

func TestQuotasConformance(t *testing.T) {
	t.Parallel()
	metatest.RunQuotas(t, func(t *testing.T) metatest.QuotaStore {
		s, _ := open(t)
		return s
	})
}
