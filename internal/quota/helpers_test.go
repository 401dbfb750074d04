package quota

import (
	"time"

	"github.com/easelhq/easel"
)

func easelPolicy(maxBytes *int64, variants *time.Duration) easel.TenantPolicy {
	return easel.TenantPolicy{MaxStoredBytes: maxBytes, RetentionVariants: variants}
}
