// Package cli implements the easel command line. Run takes its arguments,
// writers and environment as parameters, so tests drive it in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/easelhq/easel/internal/app"
	"github.com/easelhq/easel/internal/config"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=...".
var Version = "dev"

// Env is what a command runs with.
type Env struct {
	Stdout, Stderr io.Writer
	Environ        []string
}

const usage = `easel: image upload, processing and delivery

Usage:
  easel serve   [--config FILE] [--data DIR] [--addr HOST:PORT]   run everything in one process (embedded NATS)
  easel api     [--config FILE] [--data DIR] [--addr HOST:PORT]   the HTTP API alone (needs queue.url)
  easel worker  [--config FILE] [--data DIR]                      task workers alone (needs queue.url)
  easel key create [--tenant ID] [--kind api|signing|webhook] [--name NAME] [--scopes upload,read,deliver,admin] [--expires 720h]
                                                                 create an API key (prints the secret), a URL signing
                                                                 key (prints its ID) or a new webhook secret (prints it)
  easel key list [--tenant ID]                                   list a tenant's keys (default: the oldest tenant)
  easel key revoke ID                                            revoke a key
  easel tenant create NAME | list | disable ID | enable ID       manage tenants (business lines); create prints the ID last
  easel url sign [--ext EXT] ASSET-ID OPERATIONS                 print a signed delivery path
  easel tenant policy ID [--max-stored-bytes N] [--uploads-per-minute N] [--renders-per-second F] [--render-burst N]
                 [--retention-originals 4380h] [--retention-variants 720h] [--reset]
                                                                 show or set a tenant's quotas and retention ("default": the configured value)
  easel migrate [--config FILE] [--data DIR]                     apply the metadata migrations (meta.backend) and list them
  easel config env                                               list every setting's environment variable
  easel upload [--server URL] [--key KEY] [--ops OPS]... [--flow NAME] [--wait] [--parallel 8] [--resumable-over SIZE] PATH...
                                                                 upload files and folders to a running server
  easel tasks watch ID                                           follow a task until it is final
  easel assets ls [--limit N] | easel assets rm ID...            list or delete assets
  easel batch [--size 1000] FILE.jsonl                           submit task requests ({"asset_id","ops"} per line)
                 (upload, tasks, assets, batch: --server URL or $EASEL_URL, --key KEY or $EASEL_API_KEY)
  easel version                                                  print the version

Every command takes --config FILE and --data DIR. Settings come from the
defaults, then the YAML file (--config or EASEL_CONFIG), then EASEL_ variables,
then flags.
`

// Run runs the command in args (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, app.RoleAll, args[1:], env)
	case "api":
		err = serve(ctx, app.RoleAPI, args[1:], env)
	case "worker":
		err = serve(ctx, app.RoleWorker, args[1:], env)
	case "key":
		err = key(ctx, args[1:], env)
	case "tenant":
		err = tenantCmd(ctx, args[1:], env)
	case "url":
		err = urlCmd(ctx, args[1:], env)
	case "config":
		err = configCmd(args[1:], env)
	case "migrate":
		err = migrateCmd(ctx, args[1:], env)
	case "upload":
		err = uploadCmd(ctx, args[1:], env)
	case "tasks":
		err = tasksCmd(ctx, args[1:], env)
	case "assets":
		err = assetsCmd(ctx, args[1:], env)
	case "batch":
		err = batchCmd(ctx, args[1:], env)
	case "version":
		err = versionCmd(args[1:], env)
	case "--version", "-v":
		fmt.Fprintf(env.Stdout, "easel %s\n", Version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(env.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(env.Stderr, "easel: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.Stderr, "easel: %v\n", err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "easel: %v\n", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// common are the flags every command takes.
type common struct {
	configFile string
	data       string
	addr       string
}

func newFlagSet(name string, env Env, c *common, withAddr bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&c.configFile, "config", "", "YAML configuration file (default: $EASEL_CONFIG)")
	fs.StringVar(&c.data, "data", "", "data directory (overrides the config's data)")
	if withAddr {
		fs.StringVar(&c.addr, "addr", "", "listen address HOST:PORT (overrides the config's addr)")
	}
	return fs
}

// load reads the configuration: defaults, file, environment, then flags.
func (c common) load(env Env) (config.Config, error) {
	file := c.configFile
	if file == "" {
		for _, kv := range env.Environ {
			if v, ok := strings.CutPrefix(kv, "EASEL_CONFIG="); ok {
				file = v
			}
		}
	}
	cfg, err := config.Load(file, env.Environ)
	if err != nil {
		return cfg, err
	}
	if c.data != "" {
		cfg.Data = c.data
	}
	if c.addr != "" {
		cfg.Addr = c.addr
	}
	return cfg, cfg.Validate()
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseCommon parses the common flags around a command's words (flags may
// come before or after them) and returns the words.
func parseCommon(name string, args []string, env Env, c *common) ([]string, error) {
	fs := newFlagSet(name, env, c, false)
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return words, nil
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// configCmd runs `easel config env`: it loads the configuration (so a bad
// file or variable is reported) and lists every setting's variable.
func configCmd(args []string, env Env) error {
	var c common
	words, err := parseCommon("config", args, env, &c)
	if err != nil {
		return err
	}
	if len(words) != 1 || words[0] != "env" {
		return usageError{"usage: easel config env [--config FILE] [--data DIR]"}
	}
	if _, err := c.load(env); err != nil {
		return err
	}
	for _, v := range config.EnvVars() {
		fmt.Fprintf(env.Stdout, "%-40s %s\n", v[0], v[1])
	}
	return nil
}

// versionCmd prints the version. It takes the common flags, as every
// command does, and needs no configuration.
func versionCmd(args []string, env Env) error {
	var c common
	words, err := parseCommon("version", args, env, &c)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		return usageError{fmt.Sprintf("version: unexpected argument %q", words[0])}
	}
	fmt.Fprintf(env.Stdout, "easel %s\n", Version)
	return nil
}
