package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

const tenantUsage = "usage: easel tenant create NAME | tenant list | tenant disable ID | tenant enable ID | tenant policy ID [flags]"

// tenantCmd manages tenants (business lines): each has its own API keys,
// URL signing keys, webhook secret and assets.
func tenantCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageError{tenantUsage}
	}
	if args[0] == "policy" {
		return tenantPolicy(ctx, args[1:], env)
	}
	var c common
	fs := newFlagSet("tenant "+args[0], env, &c, false)
	want := map[string]int{"create": 1, "list": 0, "disable": 1, "enable": 1}
	n, ok := want[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("tenant: unknown subcommand %q (want create, list, disable, enable or policy)", args[0])}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != n {
		return usageError{tenantUsage}
	}
	ks, meta, err := openKeys(ctx, c, env)
	if err != nil {
		return err
	}
	defer meta.Close()
	if _, err := ks.Bootstrap(ctx); err != nil {
		return err
	}
	switch args[0] {
	case "create":
		t, err := ks.CreateTenant(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "created tenant %q with a URL signing key and a webhook secret; make its API keys with: easel key create --tenant %s\n", t.Name, t.ID)
		fmt.Fprintln(env.Stdout, t.ID)
	case "list":
		tenants, err := ks.ListTenants(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tSTATE")
		for _, t := range tenants {
			state := "active"
			if t.DisabledAt != nil {
				state = "disabled " + t.DisabledAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format("2006-01-02 15:04"), state)
		}
		return tw.Flush()
	case "disable":
		if err := ks.DisableTenant(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "disabled %s: its API keys, upload tokens and delivery URLs are refused (running servers stop serving it within keys.refresh)\n", fs.Arg(0))
	case "enable":
		if err := ks.EnableTenant(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "enabled %s\n", fs.Arg(0))
	}
	return nil
}
