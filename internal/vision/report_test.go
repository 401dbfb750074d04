package vision

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// TestReport prints recall, precision and time per image of each detector
// on the truth set, for make bench-vision (VISION_REPORT=1).
func TestReport(t *testing.T) {
	if os.Getenv("VISION_REPORT") == "" {
		t.Skip("set VISION_REPORT=1 to print the detectors' report")
	}
	for _, d := range detectors {
		det := d.get(t)
		r, p, res, err := Evaluate(t.Context(), det, testimages.Dir(t))
		require.NoError(t, err)
		require.NoError(t, WriteReport(os.Stdout, det.Name(), r, p, res))
	}
}
