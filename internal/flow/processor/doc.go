// Package processor is what a flow step runs: a Processor with a declared
// Spec (the MIME types it accepts, the outputs it writes, its typed
// parameters), whether built in (image.render, faces.analyze, the video
// processors) or an external command described by a YAML manifest and run in
// a sandbox.
//
// Parameters are validated against the Spec before anything runs
// (Spec.Validate): unknown names, wrong types and out-of-range values are
// invalid_argument errors that name the parameter, so the API can answer 400
// before a task is queued.
//
// An external processor runs in a fresh temporary directory holding
// input.<ext> and params.json, as an unprivileged user, in its own PID,
// mount and network namespaces where the machine allows them, with its
// address space capped and its whole process tree killed on timeout; see
// Sandbox and docs/processors.md.
package processor
