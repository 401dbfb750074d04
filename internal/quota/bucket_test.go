package quota

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBucket(t *testing.T) {
	t.Parallel()
	var b bucket
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		ok, _ := b.take(t0, 2, 3)
		require.True(t, ok, "burst token %d", i)
	}
	ok, wait := b.take(t0, 2, 3)
	require.False(t, ok)
	require.Equal(t, 500*time.Millisecond, wait, "one token every half second")
	require.Equal(t, float64(0), b.available(t0, 2, 3))

	ok, _ = b.take(t0.Add(500*time.Millisecond), 2, 3)
	require.True(t, ok, "refilled")
	require.Equal(t, float64(3), b.available(t0.Add(time.Hour), 2, 3), "never more than the burst")
}

func TestResolve(t *testing.T) {
	t.Parallel()
	defaults := Policy{Limits: Limits{MaxStoredBytes: 100, UploadsPerMinute: 10, RendersPerSecond: 5},
		Retention: Retention{Originals: time.Hour}}
	zero, keep := int64(0), 2*time.Hour
	p := Resolve(defaults, easelPolicy(&zero, &keep))
	require.Equal(t, int64(0), p.MaxStoredBytes, "0 overrides: unlimited")
	require.Equal(t, int64(10), p.UploadsPerMinute, "nil keeps the default")
	require.Equal(t, 2*time.Hour, p.Retention.Variants)
	require.Equal(t, time.Hour, p.Retention.Originals)
	require.Equal(t, float64(5), p.burst(), "burst defaults to the rate")
}
