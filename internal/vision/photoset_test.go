package vision

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

// evaluateSet runs d on every photo of the set and adds the scores up per
// half.
func evaluateSet(tb testing.TB, d Detector) (map[string]*Score, []PhotoResult) {
	tb.Helper()
	dir := photoDir(tb)
	photos, err := ReadPhotoSet(PhotoSetFile)
	require.NoError(tb, err)
	scores := map[string]*Score{HalfTune: {}, HalfReport: {}}
	var results []PhotoResult
	for _, p := range photos {
		r, err := EvaluatePhoto(context.Background(), d, dir, p)
		require.NoError(tb, err)
		scores[p.Half()].Add(r)
		results = append(results, r)
	}
	return scores, results
}

// TestPhotoSet: on the photos the detector was not tuned on (the report
// half of testdata/photos.tsv) BlazeFace finds at least 95% of the faces
// with at least 95% precision and nothing on the negatives of either half.
func TestPhotoSet(t *testing.T) {
	t.Parallel()
	d := blazeFace(t)
	scores, results := evaluateSet(t, d)
	var times []time.Duration
	for _, r := range results {
		times = append(times, r.Elapsed)
		t.Logf("%-6s %-44s want %d found %d matched %d false %d  %v", r.Half(), r.Name(), r.Want, r.Found, r.Matched, r.False, r.Elapsed.Round(100*time.Microsecond))
		if r.Want == 0 && len(r.Ignore) == 0 {
			require.Zero(t, r.Found, "negative %s: %s", r.Name(), fmtFaces(r))
		}
	}
	slices.Sort(times)
	for _, h := range []string{HalfTune, HalfReport} {
		s := scores[h]
		t.Logf("%s half: %d images, recall %.3f (%d/%d), precision %.3f (%d false)", h, s.Images, s.Recall(), s.Matched, s.Want, s.Precision(), s.False)
	}
	t.Logf("time per photo: p50 %v, max %v", times[len(times)/2].Round(100*time.Microsecond), times[len(times)-1].Round(100*time.Microsecond))
	require.GreaterOrEqual(t, scores[HalfReport].Recall(), 0.95)
	require.GreaterOrEqual(t, scores[HalfReport].Precision(), 0.95)
}

func fmtFaces(r PhotoResult) string {
	var b strings.Builder
	for _, f := range r.Faces {
		fmt.Fprintf(&b, "[%.0f,%.0f %.0fx%.0f %.2f] ", f.Box.X, f.Box.Y, f.Box.W, f.Box.H, f.Confidence)
	}
	return b.String()
}
