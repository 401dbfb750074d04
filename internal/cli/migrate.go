package cli

import (
	"context"
	"fmt"

	"github.com/easelhq/easel/internal/app"
	"github.com/easelhq/easel/internal/meta/postgres"
)

// migrateCmd runs `easel migrate`: it applies the migrations the metadata
// store (meta.backend) lacks and prints each one it applied. The servers
// apply them at start as well; this runs them explicitly, before a deploy.
func migrateCmd(ctx context.Context, args []string, env Env) error {
	var c common
	words, err := parseCommon("migrate", args, env, &c)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		return usageError{fmt.Sprintf("migrate: unexpected argument %q", words[0])}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	applied, err := app.Migrate(ctx, cfg)
	if err != nil {
		return err
	}
	where := cfg.Data
	if cfg.Meta.Backend == "postgres" {
		where = postgres.Redact(cfg.Meta.Postgres.URL)
	}
	for _, name := range applied {
		fmt.Fprintf(env.Stdout, "applied %s\n", name)
	}
	if len(applied) == 0 {
		fmt.Fprintf(env.Stdout, "%s metadata in %s is up to date\n", cfg.Meta.Backend, where)
	} else {
		fmt.Fprintf(env.Stdout, "%s metadata in %s: %d migrations applied\n", cfg.Meta.Backend, where, len(applied))
	}
	return nil
}
