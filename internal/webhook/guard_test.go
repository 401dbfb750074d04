package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/webhook"
)

// TestCheckAddr tests the classifier the dialer uses. It sends no traffic.
func TestCheckAddr(t *testing.T) {
	t.Parallel()
	const (
		public   = iota // always allowed
		loopback        // allowed with AllowLoopback
		private         // allowed with AllowPrivate
		never           // always refused
	)
	tests := []struct {
		addr  string
		class int
	}{
		{"93.184.215.14", public},
		{"8.8.8.8", public},
		{"2606:4700:4700::1111", public},
		{"172.32.0.1", public},  // just outside 172.16/12
		{"100.128.0.1", public}, // just outside 100.64/10
		{"127.0.0.1", loopback},
		{"127.1.2.3", loopback},
		{"::1", loopback},
		{"::ffff:127.0.0.1", loopback},
		{"10.0.0.1", private},
		{"172.16.5.4", private},
		{"172.31.255.255", private},
		{"192.168.1.1", private},
		{"169.254.169.254", private}, // cloud metadata
		{"100.64.0.1", private},
		{"100.127.255.255", private},
		{"fc00::1", private},
		{"fd12:3456::1", private},
		{"fe80::1", private},
		{"fe80::1%eth0", private},
		{"fec0::1", private},
		{"::ffff:10.0.0.1", private},
		{"::ffff:169.254.169.254", private},
		{"64:ff9b::a9fe:a9fe", private}, // NAT64 of 169.254.169.254
		{"64:ff9b::5db8:d70e", public},  // NAT64 of 93.184.215.14
		{"0.0.0.0", never},
		{"0.1.2.3", never},
		{"::", never},
		{"::ffff:0.0.0.0", never},
		{"224.0.0.1", never},
		{"ff02::1", never},
		{"255.255.255.255", never},
		{"240.0.0.1", never},
		// Issue 7 A6: the gaps a hostile tester found, now refused.
		{"198.18.0.1", never},
		{"198.19.255.255", never},
		{"192.0.0.8", never},
		{"192.0.2.1", never},
		{"198.51.100.7", never},
		{"203.0.113.9", never},
		{"64:ff9b:1::a00:1", private}, // local-use NAT64
		{"2002:7f00:1::1", never},     // 6to4 of 127.0.0.1
		{"2002:808:808::1", never},    // 6to4 of 8.8.8.8
		{"::127.0.0.1", loopback},     // IPv4-compatible
		{"::10.0.0.1", private},
		{"::169.254.169.254", private},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", never}, // Teredo
		{"2001:db8::1", never},
		{"100::1", never},
		{"2001:10::1", never}, // ORCHID
		{"198.20.0.0", public},
		{"192.0.1.255", public},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			a := netip.MustParseAddr(tt.addr)
			for _, allow := range []struct{ private, loopback bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
				want := tt.class == public ||
					tt.class == loopback && allow.loopback ||
					tt.class == private && allow.private
				err := webhook.CheckAddr(a, allow.private, allow.loopback)
				if want {
					require.NoError(t, err, "allowPrivate=%v allowLoopback=%v", allow.private, allow.loopback)
				} else {
					require.ErrorIs(t, err, webhook.ErrBlockedAddress, "allowPrivate=%v allowLoopback=%v", allow.private, allow.loopback)
				}
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                        string
		url                         string
		allowPrivate, allowLoopback bool
		wantErr                     bool
	}{
		{name: "https", url: "https://hooks.example.com/easel?token=x"},
		{name: "http with port", url: "http://hooks.example.com:8080/easel"},
		{name: "upper-case scheme", url: "HTTPS://hooks.example.com/"},
		{name: "public IP", url: "http://93.184.215.14/"},
		{name: "loopback refused", url: "http://127.0.0.1:8080/", wantErr: true},
		{name: "loopback allowed", url: "http://127.0.0.1:8080/", allowLoopback: true},
		{name: "loopback needs AllowLoopback", url: "http://127.0.0.1/", allowPrivate: true, wantErr: true},
		{name: "localhost refused", url: "http://localhost:8080/", wantErr: true},
		{name: "localhost trailing dot", url: "http://LocalHost./", wantErr: true},
		{name: "subdomain of localhost", url: "http://app.localhost/", wantErr: true},
		{name: "localhost allowed", url: "http://localhost:8080/", allowLoopback: true},
		{name: "IPv6 loopback", url: "http://[::1]/", wantErr: true},
		{name: "IPv4-mapped loopback", url: "http://[::ffff:127.0.0.1]/", wantErr: true},
		{name: "10/8", url: "http://10.0.0.1/", wantErr: true},
		{name: "172.16/12", url: "http://172.16.5.4/", wantErr: true},
		{name: "192.168/16", url: "http://192.168.1.1/", wantErr: true},
		{name: "metadata", url: "http://169.254.169.254/latest/meta-data/", wantErr: true},
		{name: "CGNAT", url: "http://100.64.0.1/", wantErr: true},
		{name: "IPv6 link-local", url: "http://[fe80::1]/", wantErr: true},
		{name: "IPv6 ULA", url: "http://[fc00::1]/", wantErr: true},
		{name: "private allowed", url: "http://10.0.0.1/", allowPrivate: true},
		{name: "unspecified", url: "http://0.0.0.0/", allowPrivate: true, allowLoopback: true, wantErr: true},
		{name: "ftp", url: "ftp://hooks.example.com/", wantErr: true},
		{name: "file", url: "file:///etc/passwd", wantErr: true},
		{name: "userinfo", url: "https://user:pass@hooks.example.com/", wantErr: true},
		{name: "user only", url: "https://user@hooks.example.com/", wantErr: true},
		{name: "no host", url: "http:///path", wantErr: true},
		{name: "relative", url: "/hooks", wantErr: true},
		{name: "empty", url: "", wantErr: true},
		{name: "not a URL", url: "http://[::1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.CheckURL(tt.url, tt.allowPrivate, tt.allowLoopback)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
			require.Contains(t, easel.ErrorMessage(err), "callback_url: ")
		})
	}
}

// TestClientDialer checks the guard after DNS resolution: "localhost"
// resolves to loopback, which the client refuses unless allowed.
func TestClientDialer(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	byName := "http://localhost:" + u.Port() + "/"

	tests := []struct {
		name          string
		url           string
		allowLoopback bool
		wantErr       bool
	}{
		{name: "name resolving to loopback refused", url: byName, wantErr: true},
		{name: "loopback IP refused", url: srv.URL, wantErr: true},
		{name: "name resolving to loopback allowed", url: byName, allowLoopback: true},
		{name: "loopback IP allowed", url: srv.URL, allowLoopback: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			c := webhook.NewClient(5*time.Second, true, tt.allowLoopback)
			resp, err := c.Get(tt.url)
			if tt.wantErr {
				require.ErrorIs(t, err, webhook.ErrBlockedAddress)
				require.Equal(t, before, hits.Load(), "the request reached the server")
				return
			}
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, before+1, hits.Load())
		})
	}
}
