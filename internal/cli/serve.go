package cli

import (
	"context"
	"fmt"
	"net"

	"github.com/easelhq/easel/internal/app"
)

// serve runs a role: "serve" (everything), "api" or "worker".
func serve(ctx context.Context, role app.Role, args []string, env Env) error {
	var c common
	fs := newFlagSet(role.String(), env, &c, role != app.RoleWorker)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", role, fs.Arg(0))}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	a, err := app.New(ctx, cfg, role, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if role != app.RoleWorker {
		secret, err := a.Keys.Bootstrap(ctx)
		if err != nil {
			return err
		}
		if secret != "" {
			fmt.Fprintf(env.Stdout, "Created the default tenant. Its API key (shown once, keep it):\n%s\n", secret)
		}
	}
	return a.Run(ctx, func(addr net.Addr) {
		if addr == nil {
			log.Info("easel worker consuming tasks", "queue", cfg.Queue.URL, "concurrency", cfg.WorkerConcurrency(), "version", Version)
			fmt.Fprintf(env.Stdout, "easel worker running (queue %s)\n", cfg.Queue.URL)
			return
		}
		log.Info("easel serving", "role", role.String(), "addr", addr.String(), "data", cfg.Data, "version", Version)
		fmt.Fprintf(env.Stdout, "easel listening on http://%s (data in %s)\n", addr, cfg.Data)
	})
}
