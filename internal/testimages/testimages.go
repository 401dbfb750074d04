// Package testimages finds the shared corpus of real test images
// (../shared/testdata beside the repository, or $EASEL_TESTDATA) for tests.
package testimages

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the test image folder. When it is missing, the test is skipped
// with an explanation, except under CI=true, where it fails.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("EASEL_TESTDATA")
	if dir == "" {
		dir = filepath.Join(repoRoot(tb), "..", "shared", "testdata")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		msg := "test images not found at " + dir + " (expected the shared corpus ../shared/testdata beside the repository, or set EASEL_TESTDATA)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dir
}

// Path returns the path of a file in the corpus, e.g. Path(t, "photos/mate_Wood.jpg").
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	return filepath.Join(Dir(tb), rel)
}

// Read returns the bytes of a file in the corpus.
func Read(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func repoRoot(tb testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
