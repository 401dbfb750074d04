// Command easel is the image upload, processing and delivery service.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/easelhq/easel/internal/cli"
	"github.com/easelhq/easel/internal/flow/processor"
)

func main() {
	processor.HelperMain() // the sandbox of external processors re-executes easel as its helper
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()})
	stop()
	os.Exit(code)
}
