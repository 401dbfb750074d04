// Command easel-sandbox is the helper of easel's processor sandbox: a
// small, static (CGO_ENABLED=0) binary that sets the sandbox up and
// executes a processor's command. easel runs it when it lies next to the
// easel binary, instead of re-executing easel itself, whose start (the
// dynamic loading of libvips and its hundred libraries) costs far more per
// call. It does nothing when not started by the sandbox.
package main

import (
	"fmt"
	"os"

	"github.com/easelhq/easel/internal/flow/processor"
)

func main() {
	processor.HelperMain() // never returns when started by the sandbox
	fmt.Fprintln(os.Stderr, "easel-sandbox: the helper of easel's processor sandbox; easel starts it, not people")
	os.Exit(2)
}
