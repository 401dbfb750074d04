package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/client"
)

const tasksUsage = "usage: easel tasks watch [--server URL] [--key KEY] ID"

// tasksCmd follows a task live until it is final: a line per state change,
// then its outputs or its error. A dead task exits non-zero.
func tasksCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "watch" {
		return usageError{tasksUsage}
	}
	var r remote
	fs := newFlagSet("tasks watch", env, &common{}, false)
	r.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{tasksUsage}
	}
	c, err := r.client(env)
	if err != nil {
		return err
	}
	t, err := c.WaitTask(ctx, fs.Arg(0), func(t client.Task) {
		fmt.Fprintf(env.Stdout, "%s  %-9s attempt %d\n", time.Now().Format("15:04:05.000"), t.State, t.Attempts)
	})
	if err != nil {
		return err
	}
	for _, o := range t.Outputs {
		fmt.Fprintf(env.Stdout, "output %s: %s %dx%d %s %s\n", o.Ops, o.Format, o.Width, o.Height, humanBytes(o.Bytes), o.URL)
	}
	if t.State == easel.TaskDead {
		if t.Error != nil {
			return fmt.Errorf("task %s is dead: %s at %s: %s", t.ID, t.Error.Code, t.Error.Stage, t.Error.Message)
		}
		return fmt.Errorf("task %s is dead", t.ID)
	}
	return nil
}
