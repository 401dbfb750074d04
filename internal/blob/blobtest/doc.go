// Package blobtest is the conformance suite every easel.BlobStore passes.
//
// A backend's test calls Run with a constructor that returns a new, empty
// store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) easel.BlobStore {
//			s, err := fs.New(fs.Config{Dir: t.TempDir()})
//			require.NoError(t, err)
//			return s
//		})
//	}
package blobtest
