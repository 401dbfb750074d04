package vision

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// repoRoot returns the folder holding go.mod.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	require.NoError(tb, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(tb, dir, parent, "go.mod not found above the test's directory")
		dir = parent
	}
}

// testConfig points at third_party/vision of the repository.
func testConfig(tb testing.TB) Config {
	cfg := NewDefaultConfig()
	cfg.Dir = filepath.Join(repoRoot(tb), DefaultDir)
	return cfg
}

var blazeOnce struct {
	sync.Once
	d   Detector
	err error
}

// blazeFace returns a shared BlazeFace detector. When the model or the
// runtime is missing, it skips the test, except under CI=true, where it fails.
func blazeFace(tb testing.TB) Detector {
	tb.Helper()
	blazeOnce.Do(func() { blazeOnce.d, blazeOnce.err = NewBlazeFace(testConfig(tb)) })
	if blazeOnce.err != nil {
		msg := "BlazeFace unavailable: " + blazeOnce.err.Error()
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return blazeOnce.d
}

func pigoDetector(tb testing.TB) Detector {
	tb.Helper()
	d, err := NewPigo()
	require.NoError(tb, err)
	return d
}

// detectors are the detectors the shared tests run against.
var detectors = []struct {
	name string
	get  func(testing.TB) Detector
}{
	{NameBlazeFace, blazeFace},
	{NamePigo, pigoDetector},
}

func TestMain(m *testing.M) {
	code := m.Run()
	if c, ok := blazeOnce.d.(io.Closer); ok {
		c.Close()
	}
	os.Exit(code)
}
