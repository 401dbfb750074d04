// Package observe holds easel's per-effect monitoring: Prometheus
// histograms of each stage of an image's life (upload, queue wait,
// download, processing and its flow steps, storing, callback, delivery)
// labelled by effect, tenant and region, and failures counted by stage and
// error code.
//
// Label values come from bounded sets so a client cannot grow the series
// without end: an effect is one of Effects (the operation keys of the
// grammar and the task kinds) or a flow or processor name admitted up to
// Config.MaxNames, else "other"; a tenant is one of the first
// Config.MaxTenants seen, else "other"; the region is the node's, from
// the configuration ("default" when empty).
//
// The delivery path binds its observer once per cached rendering
// (Metrics.Delivery), so a cached hit costs one Observe and no label
// lookup.
package observe
