package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

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

const keyUsage = "usage: easel key create [--tenant ID] [--kind api|signing|webhook] [--name NAME] [--scopes upload,read,deliver,admin] [--expires 720h] | key list [--tenant ID] | key revoke ID"

func key(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageError{keyUsage}
	}
	var (
		c       common
		kind    string
		name    string
		tenant  string
		scopes  string
		expires time.Duration
	)
	fs := newFlagSet("key "+args[0], env, &c, false)
	switch args[0] {
	case "create":
		fs.StringVar(&kind, "kind", "api", "api (an API key), signing (a URL signing key) or webhook (a new callback signing secret)")
		fs.StringVar(&name, "name", "", "a name to recognise the key by")
		fs.StringVar(&tenant, "tenant", "", "the tenant's ID (default: the oldest tenant)")
		fs.StringVar(&scopes, "scopes", easel.AllScopes.String(), "an API key's scopes: upload, read, deliver, admin, comma-separated")
		fs.DurationVar(&expires, "expires", 0, "an API key's lifetime, e.g. 720h (default: never expires)")
	case "list":
		fs.StringVar(&tenant, "tenant", "", "the tenant's ID (default: the oldest tenant)")
	case "revoke":
	default:
		return usageError{fmt.Sprintf("key: unknown subcommand %q (want create, list or revoke)", args[0])}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var opts []keys.APIKeyOption
	if args[0] == "create" {
		if kind != "api" && (scopes != easel.AllScopes.String() || expires != 0) {
			return usageError{"key create: --scopes and --expires are for API keys (--kind api)"}
		}
		sc, err := easel.ParseScopes(scopes)
		if err != nil {
			return usageError{fmt.Sprintf("key create: --scopes: %v", easel.ErrorMessage(err))}
		}
		opts = append(opts, keys.WithScopes(sc))
		if expires != 0 {
			opts = append(opts, keys.WithExpiry(expires))
		}
	}
	ks, meta, err := openKeys(ctx, c, env)
	if err != nil {
		return err
	}
	defer meta.Close()
	if _, err := ks.Bootstrap(ctx); err != nil {
		return err
	}
	t, err := pickTenant(ctx, ks, tenant)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		switch kind {
		case "api":
			secret, _, err := ks.CreateAPIKey(ctx, t.ID, name, opts...)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, secret)
		case "signing":
			sk, err := ks.CreateSigningKey(ctx, t.ID)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, sk.ID)
		case "webhook":
			secret, err := ks.RotateWebhookSecret(ctx, t.ID)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, secret)
		default:
			return usageError{fmt.Sprintf("key create: --kind %q: want api, signing or webhook", kind)}
		}
	case "list":
		if err := listKeys(ctx, meta, t.ID, env); err != nil {
			return err
		}
		if secret, err := ks.WebhookSecret(ctx, t.ID); err == nil {
			fmt.Fprintf(env.Stdout, "\nwebhook secret (verifies callbacks): %s\n", secret)
		}
	case "revoke":
		if fs.NArg() != 1 {
			return usageError{"usage: easel key revoke ID"}
		}
		if err := ks.Revoke(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked %s\n", fs.Arg(0))
	}
	return nil
}

// pickTenant returns the tenant with this ID, or the oldest when id is "".
func pickTenant(ctx context.Context, ks *keys.Keys, id string) (easel.Tenant, error) {
	if id == "" {
		return ks.DefaultTenant(ctx)
	}
	return ks.GetTenant(ctx, id)
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
	fmt.Fprintln(tw, "ID\tKIND\tPREFIX\tNAME\tSCOPES\tCREATED\tEXPIRES\tSTATE")
	state := func(revoked bool, expires *time.Time) string {
		switch {
		case revoked:
			return "revoked"
		case expires != nil && !time.Now().Before(*expires):
			return "expired"
		}
		return "active"
	}
	const day = "2006-01-02 15:04"
	for _, k := range api {
		exp := "never"
		if k.ExpiresAt != nil {
			exp = k.ExpiresAt.Format(day)
		}
		fmt.Fprintf(tw, "%s\tapi\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, k.Scopes, k.CreatedAt.Format(day), exp, state(k.RevokedAt != nil, k.ExpiresAt))
	}
	for _, k := range signing {
		fmt.Fprintf(tw, "%s\tsigning\t\t\t\t%s\t\t%s\n", k.ID, k.CreatedAt.Format(day), state(k.RevokedAt != nil, nil))
	}
	return tw.Flush()
}
