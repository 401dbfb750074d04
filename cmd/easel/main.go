// Command easel is the image upload, processing and delivery service.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/easelhq/easel/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()})
	stop()
	os.Exit(code)
}
