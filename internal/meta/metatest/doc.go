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
package metatest
