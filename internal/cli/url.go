package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/easelhq/easel/transform"
)

func urlCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "sign" {
		return usageError{"usage: easel url sign [--ext EXT] ASSET-ID OPERATIONS"}
	}
	var (
		c   common
		ext string
	)
	fs := newFlagSet("url sign", env, &c, false)
	fs.StringVar(&ext, "ext", "", "file extension to append (jpg, png, webp, avif, gif, jxl)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError{"usage: easel url sign [--ext EXT] ASSET-ID OPERATIONS"}
	}
	assetID, ops := fs.Arg(0), fs.Arg(1)
	opts, err := transform.Parse(ops)
	if err != nil {
		return err
	}
	keys, meta, err := openKeys(ctx, c, env)
	if err != nil {
		return err
	}
	defer meta.Close()
	asset, err := meta.GetAsset(ctx, assetID)
	if err != nil {
		return err
	}
	canonical := opts.String()
	if opts.Original {
		canonical = "-"
	}
	path, err := keys.SignPath(ctx, asset.TenantID, canonical, assetID, strings.TrimPrefix(ext, "."))
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, path)
	return nil
}
