package nats_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain raises the default parallelism (GOMAXPROCS) to 8 unless -parallel
// was given: the suite's tests mostly wait on timers, not on the CPU.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}
