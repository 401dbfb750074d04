// Package quota enforces per-tenant quotas and rate limits: stored bytes
// (originals, levels and variants as recorded in the metadata), uploads per
// minute (a sliding window over the upload log, shared by every node) and
// renders per second (a token bucket per tenant on each node). It reports
// a tenant's usage (GET /v1/usage) and counts by tenant for Prometheus.
//
// Limits come from the configuration (Config.Defaults) unless the tenant's
// policy (easel.TenantPolicy, `easel tenant policy`) overrides them; 0 is
// unlimited. Past a limit the use cases get an error with
// easel.CodeQuotaExceeded or easel.CodeRateLimited whose cause is an
// easel.RetryAfter.
package quota
