package fingerprint_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
	"github.com/easelhq/easel/internal/vision/fingerprint"
)

// group names the near-duplicate group of a test image of phash/, from the
// corpus MANIFEST: A is goimagehash's sample1/3, C the imgproxy dct2 set.
func group(name string) string {
	switch {
	case strings.HasPrefix(name, "goimagehash_sample"):
		return "A"
	case strings.HasPrefix(name, "imgproxy_dct2_"):
		return "C"
	}
	return name
}

// TestDistanceTable checks the goal of the near-duplicate search on the
// corpus: pHashes of one group within 10 bits, of different groups at least
// 20 bits apart. Group C (smooth gradients, most DCT coefficients zero)
// meets it thanks to PHash's dead zone.
func TestDistanceTable(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testimages.Dir(t), "phash")
	tab, err := fingerprint.DistanceTable(dir)
	require.NoError(t, err)
	require.Len(t, tab.Names, 10)
	t.Log("\n" + tab.String())

	again, err := fingerprint.DistanceTable(dir)
	require.NoError(t, err)
	require.Equal(t, tab, again, "hashes are deterministic")

	for i, a := range tab.Names {
		for j := i + 1; j < len(tab.Names); j++ {
			b, d := tab.Names[j], tab.P[i][j]
			switch {
			case group(a) != group(b):
				require.GreaterOrEqual(t, d, 20, "different groups: %s vs %s", a, b)
			default:
				require.LessOrEqual(t, d, 10, "same group: %s vs %s", a, b)
			}
		}
	}
}
