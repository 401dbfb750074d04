package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/easelhq/easel/client"
)

// remote are the flags of the commands that call a running server through
// the SDK: --server (repeatable, tried in order) and --key, defaulting to
// EASEL_URL (comma-separated) and EASEL_API_KEY.
type remote struct {
	servers stringList
	key     string
	retries int
}

func (r *remote) flags(fs *flag.FlagSet) {
	fs.Var(&r.servers, "server", "server URL; repeat for origins tried in order (default: $EASEL_URL, comma-separated)")
	fs.StringVar(&r.key, "key", "", "API key or upload token (default: $EASEL_API_KEY)")
	fs.IntVar(&r.retries, "retries", 5, "attempts per request on 429/5xx and connection errors")
}

// client returns an SDK client of the server.
func (r *remote) client(env Env) (*client.Client, error) {
	servers := []string(r.servers)
	if len(servers) == 0 {
		if v := lookupEnv(env, "EASEL_URL"); v != "" {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					servers = append(servers, s)
				}
			}
		}
	}
	if len(servers) == 0 {
		return nil, usageError{"no server: pass --server URL or set EASEL_URL"}
	}
	key := r.key
	if key == "" {
		key = lookupEnv(env, "EASEL_API_KEY")
	}
	if key == "" {
		return nil, usageError{"no API key: pass --key KEY or set EASEL_API_KEY"}
	}
	return client.New(servers, client.WithAPIKey(key), client.WithRetries(r.retries), client.WithUserAgent("easel-cli/"+Version))
}

func lookupEnv(env Env, name string) string {
	v := ""
	for _, kv := range env.Environ {
		if rest, ok := strings.CutPrefix(kv, name+"="); ok {
			v = rest
		}
	}
	return v
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

// Set appends a value.
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// isTerminal reports whether w is a terminal (progress is redrawn in place).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// byteSize is a size flag: 64MiB, 10MB, 1048576.
type byteSize int64

func (b *byteSize) String() string { return humanBytes(int64(*b)) }

// Set parses a size with an optional unit (B, KB, MB, GB, KiB, MiB, GiB).
func (b *byteSize) Set(v string) error {
	s := strings.TrimSpace(strings.ToUpper(v))
	units := []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1000}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n < 0 || fmt.Sprint(n) != s {
		return fmt.Errorf("size %q: want a number of bytes with an optional unit (64MiB)", v)
	}
	*b = byteSize(n * mult)
	return nil
}

// humanBytes formats n as 1.2 MB.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
