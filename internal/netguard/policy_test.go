package netguard_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/netguard"
)

func TestPolicyAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy netguard.Policy
		want   map[netguard.Class]bool
	}{
		{"zero value", netguard.Policy{}, map[netguard.Class]bool{public: true}},
		{"loopback", netguard.Policy{AllowLoopback: true}, map[netguard.Class]bool{public: true, loopback: true}},
		{"private", netguard.Policy{AllowPrivate: true}, map[netguard.Class]bool{public: true, private: true}},
		{"both", netguard.Policy{AllowLoopback: true, AllowPrivate: true}, map[netguard.Class]bool{public: true, loopback: true, private: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []netguard.Class{public, loopback, private, special} {
				require.Equal(t, tt.want[c], tt.policy.Allows(c), "class %s", c)
			}
		})
	}
}

func TestPolicyCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		policy  netguard.Policy
		wantErr bool
	}{
		{name: "https name", url: "https://img.example.com/a.jpg"},
		{name: "public IP", url: "http://93.184.215.14/"},
		{name: "ftp", url: "ftp://img.example.com/", wantErr: true},
		{name: "file", url: "file:///etc/passwd", wantErr: true},
		{name: "userinfo", url: "https://u:p@img.example.com/", wantErr: true},
		{name: "no host", url: "http:///x", wantErr: true},
		{name: "loopback literal", url: "http://127.0.0.1/", wantErr: true},
		{name: "loopback allowed", url: "http://127.0.0.1/", policy: netguard.Policy{AllowLoopback: true}},
		{name: "localhost", url: "http://localhost/", wantErr: true},
		{name: "sub.localhost.", url: "http://a.LOCALHOST./", wantErr: true},
		{name: "localhost allowed", url: "http://localhost/", policy: netguard.Policy{AllowLoopback: true}},
		{name: "mapped private", url: "http://[::ffff:10.0.0.1]/", wantErr: true},
		{name: "compatible loopback", url: "http://[::127.0.0.1]/", policy: netguard.Policy{AllowPrivate: true}, wantErr: true},
		{name: "6to4 even when private allowed", url: "http://[2002:c0a8:101::1]/", policy: netguard.Policy{AllowPrivate: true, AllowLoopback: true}, wantErr: true},
		{name: "benchmarking", url: "http://198.18.0.1/", policy: netguard.Policy{AllowPrivate: true, AllowLoopback: true}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			err = tt.policy.CheckURL(u)
			if tt.wantErr {
				require.ErrorIs(t, err, netguard.ErrBlocked)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestPolicyControl(t *testing.T) {
	t.Parallel()
	p := netguard.Policy{AllowPrivate: true}
	require.NoError(t, p.Control("tcp4", "10.1.2.3:80", nil))
	require.NoError(t, p.Control("tcp6", "[2606:4700::1]:443", nil))
	require.ErrorIs(t, p.Control("tcp4", "127.0.0.1:80", nil), netguard.ErrBlocked)
	require.ErrorIs(t, p.Control("tcp6", "[::ffff:127.0.0.1]:80", nil), netguard.ErrBlocked)
	require.ErrorIs(t, p.Control("tcp", "not an address", nil), netguard.ErrBlocked)
}

// resolverFunc adapts a function to netguard.Resolver.
type resolverFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

func (f resolverFunc) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return f(ctx, network, host)
}

// pointTo resolves every name to addrs.
func pointTo(addrs ...string) resolverFunc {
	return func(context.Context, string, string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, a := range addrs {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
}

// TestDialerRebinding: a public-looking name that resolves to loopback is
// refused at dial time, and reached only when loopback is allowed.
func TestDialerRebinding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	target := "http://img.example.com:" + port + "/"

	tests := []struct {
		name     string
		policy   netguard.Policy
		resolver netguard.Resolver
		wantErr  bool
	}{
		{name: "rebound to loopback", resolver: pointTo("127.0.0.1"), wantErr: true},
		{name: "rebound to mapped loopback", resolver: pointTo("::ffff:127.0.0.1"), policy: netguard.Policy{AllowPrivate: true}, wantErr: true},
		{name: "loopback allowed", resolver: pointTo("127.0.0.1"), policy: netguard.Policy{AllowLoopback: true}},
		{name: "blocked first, allowed second", resolver: pointTo("10.0.0.1", "127.0.0.1"), policy: netguard.Policy{AllowLoopback: true}},
		{name: "no address", resolver: pointTo(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &netguard.Dialer{Policy: tt.policy, Resolver: tt.resolver}
			c := &http.Client{Transport: d.Transport()}
			resp, err := c.Get(target)
			if tt.wantErr {
				require.Error(t, err)
				if tt.name != "no address" {
					require.ErrorIs(t, err, netguard.ErrBlocked)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.NoError(t, resp.Body.Close())
		})
	}
}

func TestCheckRedirect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-private":
			http.Redirect(w, r, "http://10.0.0.1/x", http.StatusFound)
		case "/to-metadata-name":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/once":
			http.Redirect(w, r, "/done", http.StatusFound)
		case "/r3":
			http.Redirect(w, r, "/r2", http.StatusFound)
		case "/r2":
			http.Redirect(w, r, "/r1", http.StatusFound)
		case "/r1":
			http.Redirect(w, r, "/done", http.StatusFound)
		default:
			_, _ = w.Write([]byte("done"))
		}
	}))
	t.Cleanup(srv.Close)
	p := netguard.Policy{AllowLoopback: true}
	d := &netguard.Dialer{Policy: p}
	c := &http.Client{Transport: d.Transport(), CheckRedirect: p.CheckRedirect(3)}
	tests := []struct {
		path string
		want error
	}{
		{"/to-private", netguard.ErrBlocked},
		{"/to-metadata-name", netguard.ErrBlocked},
		{"/to-file", netguard.ErrBlocked},
		{"/loop", netguard.ErrTooManyRedirects},
		{"/once", nil},
		{"/r3", nil}, // exactly the limit
		{"/r1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			resp, err := c.Get(srv.URL + tt.path)
			if tt.want != nil {
				require.True(t, errors.Is(err, tt.want), "got %v", err)
				return
			}
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
		})
	}
	t.Run("one past the limit", func(t *testing.T) {
		t.Parallel()
		c := &http.Client{Transport: d.Transport(), CheckRedirect: p.CheckRedirect(2)}
		_, err := c.Get(srv.URL + "/r3")
		require.ErrorIs(t, err, netguard.ErrTooManyRedirects)
	})
	t.Run("no redirect allowed", func(t *testing.T) {
		t.Parallel()
		c := &http.Client{Transport: d.Transport(), CheckRedirect: p.CheckRedirect(0)}
		_, err := c.Get(srv.URL + "/r1")
		require.ErrorIs(t, err, netguard.ErrTooManyRedirects)
	})
}
