package processor_test

import (
	"os"
	"testing"

	"github.com/easelhq/easel/internal/flow/processor"
)

func TestMain(m *testing.M) {
	processor.HelperMain() // the sandbox re-executes this binary as its helper
	os.Exit(m.Run())
}
