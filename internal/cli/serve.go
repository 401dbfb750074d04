package cli

import (
	"context"
	"fmt"
	"net"

	"github.com/easelhq/easel/internal/app"
)

func serve(ctx context.Context, args []string, env Env) error {
	var c common
	fs := newFlagSet("serve", env, &c, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	secret, err := a.Keys.Bootstrap(ctx)
	if err != nil {
		return err
	}
	if secret != "" {
		fmt.Fprintf(env.Stdout, "Created the default tenant. Its API key (shown once, keep it):\n%s\n", secret)
	}
	return a.Serve(ctx, func(addr net.Addr) {
		log.Info("easel serving", "addr", addr.String(), "data", cfg.Data, "version", Version)
		fmt.Fprintf(env.Stdout, "easel listening on http://%s (data in %s)\n", addr, cfg.Data)
	})
}
