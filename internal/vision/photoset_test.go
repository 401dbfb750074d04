package vision

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// photoDir returns the folder vision-deps.sh --photos fills. When the photos
// are missing it skips the test, except under CI=true, where it fails.
func photoDir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(repoRoot(tb), DefaultDir, "photos")
	photos, err := ReadPhotoSet(PhotoSetFile)
	require.NoError(tb, err)
	for _, p := range photos {
		if _, err := os.Stat(filepath.Join(dir, p.File)); err != nil {
			msg := "evaluation photos missing (run bash scripts/vision-deps.sh --photos): " + err.Error()
			if os.Getenv("CI") == "true" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	return dir
}

// TestPhotoSet: on the photos the detector was not tuned on (the report
// half of testdata/photos.tsv), BlazeFace finds at least 95% of the faces
// with at least 95% precision, and nothing on the negatives (animals, a
// cup, cartoons, a painting) of either half. It prints the time per photo
// and does not run in parallel: the CPU time it reports is the process's.
func TestPhotoSet(t *testing.T) {
	d := blazeFace(t)
	scores, results, err := EvaluatePhotoSet(context.Background(), d, PhotoSetFile, photoDir(t))
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, WritePhotoReport(&b, d.Name(), scores, results))
	t.Log("\n" + b.String())
	for _, r := range results {
		if r.Want == 0 && len(r.Ignore) == 0 {
			require.Zero(t, r.Found, "negative %s: %+v", r.Name(), r.Faces)
		}
	}
	for _, h := range []string{HalfTune, HalfReport} {
		require.Positive(t, scores[h].Images, "half %s is empty", h)
	}
	require.GreaterOrEqual(t, scores[HalfReport].Recall(), 0.95)
	require.GreaterOrEqual(t, scores[HalfReport].Precision(), 0.95)
}
