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
package metatest
