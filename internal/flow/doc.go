// Package flow assembles processors into flows: named, versioned DAGs of
// steps, each a processor with parameters whose input is the upload or an
// earlier step's output. Flows come from YAML files in a directory (see
// LoadDir, and Parse for bytes from the API), are validated against the
// processor registry once (unknown processor, unknown input, cycle, bad
// parameters: errors naming the step), and run by a Runner that records
// every finished step in a Journal, so that a retry resumes from the
// failed step instead of redoing the ones before it.
//
// Sub-packages: processor (manifests, the sandbox, built-ins), rules (which
// flow an upload goes through), watch (hot reload of files).
package flow
