package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/easelhq/easel/client"
)

const assetsUsage = "usage: easel assets ls [--limit N] | easel assets rm ID... ([--server URL] [--key KEY])"

// assetsCmd lists (newest first, following the cursor) or deletes assets.
func assetsCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || (args[0] != "ls" && args[0] != "rm") {
		return usageError{assetsUsage}
	}
	var (
		r     remote
		limit int
	)
	fs := newFlagSet("assets "+args[0], env, &common{}, false)
	r.flags(fs)
	if args[0] == "ls" {
		fs.IntVar(&limit, "limit", 0, "list at most N assets (0: all)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c, err := r.client(env)
	if err != nil {
		return err
	}
	if args[0] == "rm" {
		if fs.NArg() == 0 {
			return usageError{assetsUsage}
		}
		for _, id := range fs.Args() {
			if err := c.DeleteAsset(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "deleted %s\n", id)
		}
		return nil
	}
	if fs.NArg() != 0 {
		return usageError{assetsUsage}
	}
	return listAssets(ctx, c, limit, env)
}

func listAssets(ctx context.Context, c *client.Client, limit int, env Env) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFORMAT\tSIZE\tBYTES\tNAME\tCREATED")
	page := 200
	if limit > 0 && limit < page {
		page = limit
	}
	n := 0
	for a, err := range c.ListAssets(ctx, page) {
		if err != nil {
			tw.Flush()
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%dx%d\t%d\t%s\t%s\n", a.ID, a.Format, a.Width, a.Height, a.Bytes, a.Name, a.CreatedAt.Format("2006-01-02 15:04:05"))
		if n++; limit > 0 && n >= limit {
			break
		}
	}
	return tw.Flush()
}
