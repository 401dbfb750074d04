// Package metatest is the conformance suite every easel.MetaStore passes.
//
// A backend's test calls Run with a constructor that returns a new, empty,
// migrated store for each subtest; Run closes it when the subtest ends:
//
//	func TestConformance(t *testing.T) {
//		metatest.Run(t, func(t *testing.T) easel.MetaStore {
//			s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "meta.db")})
//			require.NoError(t, err)
//			return s
//		})
//	}
//
// The suite expects times to round-trip exactly (to the nanosecond, in UTC),
// rows that reference a tenant to need that tenant, and duplicate IDs to be
// refused with easel.CodeInvalidArgument.
//
// A backend that is also an easel.TaskStore runs the task part too, RunTasks,
// with a constructor returning a Store (both interfaces):
//
//	func TestTaskConformance(t *testing.T) {
//		metatest.RunTasks(t, func(t *testing.T) metatest.Store { return open(t) })
//	}
//
// On top of the above, RunTasks expects durations in easel.Timings to
// round-trip to the nanosecond, empty Outputs and a nil Error to read back
// nil, UpdateTask to tell a missing task (easel.CodeNotFound) from a state
// mismatch (false, nil), and lists of a missing task to be empty.
//
// A backend that is also an easel.AnalysisStore runs RunAnalysis, with a
// constructor returning an AnalysisStore. It expects analyses to round-trip
// exactly (nil and empty lists kept apart; hashes read back in lower case;
// empty hashes allowed and never found as similar), GetAsset and ListAssets
// to carry the analysis (nil without one), SimilarAssets to return exactly
// what a brute-force scan does (maxDistance 0..16, limit defaulting to 20
// and capped at 200, ties by asset ID), and deleting an asset to delete its
// analysis.
//
// A backend that is also an easel.EventOutbox runs RunEvents, with a
// constructor returning an EventStore. It expects CreateTasks and every
// UpdateTask that changes a task's state, generation or attempts to record
// easel.TaskEvent of the task in the same transaction (none when the
// compare-and-set or the creation fails, none for an update that changes
// none of the three), the event's tenant, asset and batch to be the stored
// task's, UnpublishedEvents to list in commit order (each task's events in
// the order of its state changes, also when many tasks change at once),
// MarkEventsPublished to remove the events it names and ignore unknown
// IDs, and EventsCommitted to be signalled after a commit with events.
//
// A backend that is also an easel.QuotaStore and easel.RetentionStore runs
// RunQuotas, with a constructor returning a QuotaStore. It expects tenant
// policies to round-trip field by field (nil kept apart from 0) and to be
// replaced as a whole, stored usage to sum originals, levels and recorded
// variants of the tenant alone (variants going with their asset, none
// recorded for a missing asset), upload and render counts to be windowed
// and purged by time, a lease to have one holder at a time (exactly one of
// racing acquirers wins; an expired lease is taken over), expired assets
// and variants to come oldest first, and the retention journal to keep one
// pending item per kind, asset and key.
package metatest
