package httpapi

import (
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/internal/upload"
)

// observeUpload observes an upload's time, to the creation of its task
// when it made one (so ?wait= is not counted), under the effect of its
// task (or its operations, or "none"); or its failure.
func (s *server) observeUpload(start time.Time, tenant string, ops []string, res upload.Result, err error) {
	m := s.Metrics.effects
	if !m.On() {
		return
	}
	if err != nil {
		m.Fail(observe.StageUpload, easel.ErrorCode(err), observe.EffectOfOps(ops), tenant)
		return
	}
	effect, end := observe.EffectNone, time.Now()
	if t := res.Task; t != nil {
		effect = m.TaskEffect(t.Task)
		if t.CreatedAt.After(start) && t.CreatedAt.Before(end) {
			end = t.CreatedAt
		}
	}
	m.Observe(observe.StageUpload, effect, tenant, end.Sub(start))
}
