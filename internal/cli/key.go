package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/app"
	"github.com/easelhq/easel/internal/keys"
)

// openKeys opens the metadata store and makes sure a tenant exists.
func openKeys(ctx context.Context, c common, env Env) (*keys.Keys, easel.MetaStore, error) {
	cfg, err := c.load(env)
	if err != nil {
		return nil, nil, err
	}
	meta, err := app.OpenMeta(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return app.NewKeys(cfg, meta), meta, nil
}

func key(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageError{"usage: easel key create|list|revoke"}
	}
	var (
		c    common
		kind string
		name string
	)
	fs := newFlagSet("key "+args[0], env, &c, false)
	switch args[0] {
	case "create":
		fs.StringVar(&kind, "kind", "api", "api (an API key), signing (a URL signing key) or webhook (a new callback signing secret)")
		fs.StringVar(&name, "name", "", "a name to recognise the key by")
	case "list", "revoke":
	default:
		return usageError{fmt.Sprintf("key: unknown subcommand %q (want create, list or revoke)", args[0])}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	keys, meta, err := openKeys(ctx, c, env)
	if err != nil {
		return err
	}
	defer meta.Close()
	if _, err := keys.Bootstrap(ctx); err != nil {
		return err
	}
	tenant, err := keys.DefaultTenant(ctx)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		switch kind {
		case "api":
			secret, _, err := keys.CreateAPIKey(ctx, tenant.ID, name)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, secret)
		case "signing":
			sk, err := keys.CreateSigningKey(ctx, tenant.ID)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, sk.ID)
		case "webhook":
			secret, err := keys.RotateWebhookSecret(ctx, tenant.ID)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, secret)
		default:
			return usageError{fmt.Sprintf("key create: --kind %q: want api, signing or webhook", kind)}
		}
	case "list":
		if err := listKeys(ctx, meta, tenant.ID, env); err != nil {
			return err
		}
		if secret, err := keys.WebhookSecret(ctx, tenant.ID); err == nil {
			fmt.Fprintf(env.Stdout, "\nwebhook secret (verifies callbacks): %s\n", secret)
		}
	case "revoke":
		if fs.NArg() != 1 {
			return usageError{"usage: easel key revoke ID"}
		}
		if err := keys.Revoke(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked %s\n", fs.Arg(0))
	}
	return nil
}

func listKeys(ctx context.Context, meta easel.MetaStore, tenantID string, env Env) error {
	api, err := meta.ListAPIKeys(ctx, tenantID)
	if err != nil {
		return err
	}
	signing, err := meta.ListSigningKeys(ctx, tenantID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tPREFIX\tNAME\tCREATED\tSTATE")
	state := func(revoked bool) string {
		if revoked {
			return "revoked"
		}
		return "active"
	}
	for _, k := range api {
		fmt.Fprintf(tw, "%s\tapi\t%s…\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, k.CreatedAt.Format("2006-01-02 15:04"), state(k.RevokedAt != nil))
	}
	for _, k := range signing {
		fmt.Fprintf(tw, "%s\tsigning\t\t\t%s\t%s\n", k.ID, k.CreatedAt.Format("2006-01-02 15:04"), state(k.RevokedAt != nil))
	}
	return tw.Flush()
}
