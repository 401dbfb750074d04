package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestByteSizeFlag(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want int64
		err  bool
	}{
		{"plain bytes", "1048576", 1 << 20, false},
		{"MiB", "64MiB", 64 << 20, false},
		{"MB", "10MB", 10_000_000, false},
		{"short unit", "2g", 2 << 30, false},
		{"spaces", " 5 KiB ", 5 << 10, false},
		{"negative", "-1", 0, true},
		{"fraction", "1.5MB", 0, true},
		{"unit only", "MB", 0, true},
		{"garbage", "lots", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b byteSize
			err := b.Set(tc.in)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.EqualValues(t, tc.want, b)
		})
	}
}

func TestRemoteFromEnvironment(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		flags   remote
		environ []string
		want    []string
		err     string
	}{
		{"flags win", remote{servers: stringList{"http://a:1"}, key: "k"}, []string{"EASEL_URL=http://b:2", "EASEL_API_KEY=x"}, []string{"http://a:1"}, ""},
		{"environment, several origins", remote{}, []string{"EASEL_URL=http://b:2, http://c:3", "EASEL_API_KEY=x"}, []string{"http://b:2", "http://c:3"}, ""},
		{"no server", remote{key: "k"}, nil, nil, "no server"},
		{"no key", remote{servers: stringList{"http://a:1"}}, nil, nil, "no API key"},
		{"bad server", remote{servers: stringList{"a:1"}, key: "k"}, nil, nil, "want http(s)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.flags.client(Env{Environ: tc.environ})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.Endpoints())
		})
	}
}

func TestProgressOutput(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	for _, terminal := range []bool{false, true} {
		var buf bytes.Buffer
		p := newProgress(&buf, terminal, 2, 3000)
		p.now = now
		p.start = clock
		p.begin("/x/a.jpg", 1000)
		p.begin("/x/b.jpg", 2000)
		clock = clock.Add(time.Second)
		p.update("/x/a.jpg", 500)
		p.update("/x/b.jpg", 1000)
		p.tick()
		p.finish("/x/a.jpg", 1000, "ok a")
		clock = clock.Add(time.Second)
		p.finish("/x/b.jpg", 2000, "ok b")
		p.end()
		out := buf.String()
		if terminal {
			require.Contains(t, out, "\x1b[1A\x1b[2K", "redrawn in place")
			require.Contains(t, out, "a.jpg")
			require.Contains(t, out, "[##########..........]", "a.jpg at half")
			require.Contains(t, out, "500 B / 1.0 kB    500 B/s, ETA 1s")
			require.Contains(t, out, "total: 0/2 files, 1.5 kB / 3.0 kB, 1.5 kB/s, ETA 1s")
		} else {
			require.NotContains(t, out, "\x1b")
			require.Equal(t, "[1/2] ok a\n[2/2] ok b\ntotal: 2/2 files, 3.0 kB / 3.0 kB, 1.5 kB/s, done in 2s\n", out)
		}
		require.True(t, strings.HasSuffix(out, "total: 2/2 files, 3.0 kB / 3.0 kB, 1.5 kB/s, done in 2s\n"), out)
	}
}

func TestReadTaskLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    string
		items int
		err   string
	}{
		{"lines, comments and blanks", "# c\n{\"asset_id\":\"a\",\"ops\":[\"w_1\"]}\n\n{\"asset_id\":\"b\",\"ops\":[\"w_2\",\"w_3\"],\"callback_url\":\"https://x.test/h\"}\n", 2, ""},
		{"bad JSON names the line", "{\"asset_id\":\"a\",\"ops\":[\"w_1\"]}\n{nope\n", 0, "f.jsonl:2:"},
		{"unknown field", "{\"asset\":\"a\",\"ops\":[\"w_1\"]}\n", 0, "f.jsonl:1:"},
		{"no ops", "{\"asset_id\":\"a\"}\n", 0, "f.jsonl:1: want"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := readTaskLines(strings.NewReader(tc.in), "f.jsonl")
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, items, tc.items)
		})
	}
}

func TestRemoteCommandsUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"upload"}, {"tasks"}, {"tasks", "watch"}, {"assets"}, {"assets", "mv"}, {"batch"}, {"upload", "--parallel", "0", "x"}} {
		code, _, errs := run(t, args...)
		require.Equal(t, 2, code, "%v: %s", args, errs)
		require.Contains(t, errs, "usage", "%v", args)
	}
}
