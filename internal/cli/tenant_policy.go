package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/app"
	"github.com/easelhq/easel/internal/quota"
)

const tenantPolicyUsage = "usage: easel tenant policy ID [--max-stored-bytes N] [--uploads-per-minute N] [--renders-per-second F] " +
	"[--render-burst N] [--retention-originals DURATION] [--retention-variants DURATION] [--reset]\n" +
	"  each value may be \"default\" (use the configured one); 0 is unlimited (a retention of 0 keeps forever)"

// optional is a flag whose value, when given, sets a policy field: a
// number, or "default" to clear the override.
type optional struct {
	set   bool
	raw   string
	parse func(string) error // sets the field
	reset func()             // clears the field
}

func (o *optional) String() string { return o.raw }

func (o *optional) Set(s string) error {
	o.set, o.raw = true, s
	if s == "default" {
		o.reset()
		return nil
	}
	return o.parse(s)
}

func intFlag(fs *flag.FlagSet, name, help string, dst **int64) *optional {
	o := &optional{reset: func() { *dst = nil }}
	o.parse = func(s string) error {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number >= 0 or \"default\"")
		}
		*dst = &n
		return nil
	}
	fs.Var(o, name, help)
	return o
}

func durationFlag(fs *flag.FlagSet, name, help string, dst **time.Duration) *optional {
	o := &optional{reset: func() { *dst = nil }}
	o.parse = func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration >= 0 such as 4380h, or \"default\"")
		}
		*dst = &d
		return nil
	}
	fs.Var(o, name, help)
	return o
}

// tenantPolicy runs `easel tenant policy ID [flags]`: it changes the
// overrides the flags name (the others are kept) and prints the policy.
func tenantPolicy(ctx context.Context, args []string, env Env) error {
	var (
		c     common
		reset bool
		set   easel.TenantPolicy
	)
	fs := newFlagSet("tenant policy", env, &c, false)
	fs.BoolVar(&reset, "reset", false, "drop every override first (the configured defaults apply)")
	// Each flag, when given, copies its field of set (nil for "default")
	// into the stored policy.
	flags := map[*optional]func(p *easel.TenantPolicy){}
	o := intFlag(fs, "max-stored-bytes", "bytes the tenant may store (originals, levels, variants)", &set.MaxStoredBytes)
	flags[o] = func(p *easel.TenantPolicy) { p.MaxStoredBytes = set.MaxStoredBytes }
	o = intFlag(fs, "uploads-per-minute", "uploads in any minute, over every node", &set.UploadsPerMinute)
	flags[o] = func(p *easel.TenantPolicy) { p.UploadsPerMinute = set.UploadsPerMinute }
	o = intFlag(fs, "render-burst", "renders at once after a quiet spell (token bucket size)", &set.RenderBurst)
	flags[o] = func(p *easel.TenantPolicy) { p.RenderBurst = set.RenderBurst }
	o = &optional{reset: func() { set.RendersPerSecond = nil }, parse: func(s string) error {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !(f >= 0) {
			return fmt.Errorf("want a number >= 0 or \"default\"")
		}
		set.RendersPerSecond = &f
		return nil
	}}
	fs.Var(o, "renders-per-second", "renders a second, per node (token bucket rate)")
	flags[o] = func(p *easel.TenantPolicy) { p.RendersPerSecond = set.RendersPerSecond }
	o = durationFlag(fs, "retention-originals", "delete assets older than this (e.g. 4380h)", &set.RetentionOriginals)
	flags[o] = func(p *easel.TenantPolicy) { p.RetentionOriginals = set.RetentionOriginals }
	o = durationFlag(fs, "retention-variants", "delete stored variants older than this (e.g. 720h)", &set.RetentionVariants)
	flags[o] = func(p *easel.TenantPolicy) { p.RetentionVariants = set.RetentionVariants }

	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(words) != 1 {
		return usageError{tenantPolicyUsage}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	meta, err := app.OpenMeta(ctx, cfg)
	if err != nil {
		return err
	}
	defer meta.Close()
	tenant, err := meta.GetTenant(ctx, words[0])
	if err != nil {
		return err
	}
	p, err := meta.TenantPolicy(ctx, tenant.ID)
	if err != nil {
		return err
	}
	changed := reset
	if reset {
		p = easel.TenantPolicy{TenantID: tenant.ID}
	}
	for o, apply := range flags {
		if !o.set {
			continue
		}
		changed = true
		apply(&p)
	}
	if changed {
		p.UpdatedAt = time.Now()
		if err := meta.SetTenantPolicy(ctx, p); err != nil {
			return err
		}
	}
	printPolicy(env, tenant, p, quota.Resolve(app.DefaultPolicy(cfg), p), cfg.Quotas.PolicyRefresh, changed)
	return nil
}

func printPolicy(env Env, tenant easel.Tenant, p easel.TenantPolicy, eff quota.Policy, refresh time.Duration, changed bool) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "tenant %s (%s)\n", tenant.ID, tenant.Name)
	fmt.Fprintln(tw, "SETTING\tEFFECTIVE\tSOURCE")
	row := func(name string, override bool, value string) {
		src := "default"
		if override {
			src = "tenant"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, value, src)
	}
	limit := func(n int64) string {
		if n == 0 {
			return "unlimited"
		}
		return strconv.FormatInt(n, 10)
	}
	keep := func(d time.Duration) string {
		if d == 0 {
			return "forever"
		}
		return d.String()
	}
	row("max_stored_bytes", p.MaxStoredBytes != nil, limit(eff.MaxStoredBytes))
	row("uploads_per_minute", p.UploadsPerMinute != nil, limit(eff.UploadsPerMinute))
	rps := "unlimited"
	if eff.RendersPerSecond > 0 {
		rps = strconv.FormatFloat(eff.RendersPerSecond, 'g', -1, 64)
	}
	row("renders_per_second", p.RendersPerSecond != nil, rps)
	row("render_burst", p.RenderBurst != nil, limit(eff.RenderBurst))
	row("retention.originals", p.RetentionOriginals != nil, keep(eff.Retention.Originals))
	row("retention.variants", p.RetentionVariants != nil, keep(eff.Retention.Variants))
	tw.Flush()
	if changed {
		fmt.Fprintf(env.Stdout, "saved; running nodes apply it within quotas.policy_refresh (%s)\n", refresh)
	}
}
