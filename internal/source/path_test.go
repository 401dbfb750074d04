package source_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/source"
)

func TestCleanPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want string // "" means refused
	}{
		{"plain", "products/a.jpg", "/products/a.jpg"},
		{"leading slash", "/products/a.jpg", "/products/a.jpg"},
		{"encoded space", "products/a%20b.jpg", "/products/a b.jpg"},
		{"unicode", "products/%C3%A9t%C3%A9.jpg", "/products/été.jpg"},
		{"colon after a slash", "products/12:30.jpg", "/products/12:30.jpg"},
		{"empty", "", ""},
		{"slash", "/", ""},
		{"dot dot", "products/../secret.jpg", ""},
		{"leading dot dot", "../etc/passwd", ""},
		{"dot", "products/./a.jpg", ""},
		{"encoded dot dot", "products/%2e%2e/secret.jpg", ""},
		{"upper-case encoded dot dot", "%2E%2E/secret.jpg", ""},
		{"encoded slash", "products%2F..%2Fsecret.jpg", ""},
		{"encoded backslash", "products%5c..%5csecret.jpg", ""},
		{"backslash", "products\\..\\secret.jpg", ""},
		{"double encoded dot dot", "products/%252e%252e/secret.jpg", ""},
		{"double encoded slash", "products%252Fsecret.jpg", ""},
		{"absolute URL", "http://169.254.169.254/latest", ""},
		{"encoded absolute URL", "http%3A%2F%2Fevil.example%2Fx", ""},
		{"scheme without slashes", "javascript:alert(1)", ""},
		{"scheme-relative", "//evil.example/x.jpg", ""},
		{"query", "a.jpg?x=1", ""},
		{"encoded query", "a.jpg%3Fx=1", ""},
		{"fragment", "a.jpg#x", ""},
		{"empty segment", "products//a.jpg", ""},
		{"NUL", "a%00.jpg", ""},
		{"newline", "a%0a.jpg", ""},
		{"bad escape", "a%zz.jpg", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := source.CleanPath(tt.raw)
			if tt.want == "" {
				require.Error(t, err)
				require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	cfg := source.NewDefaultConfig()
	cfg.Origins = map[string]source.Origin{
		"shop":  {URL: "https://img.example.com/", Prefixes: []string{"/products/", "/banners"}, Tenants: []string{"default"}},
		"deep":  {URL: "https://cdn.example.com/base/dir"},
		"local": {URL: "http://127.0.0.1:9000/", AllowLoopback: true},
	}
	f, err := source.New(cfg, source.NewMemoryCache(1<<20))
	require.NoError(t, err)
	tests := []struct {
		name, tenant, source, path string
		wantURL, wantKey           string
		wantCode                   easel.Code
	}{
		{name: "allowed", tenant: "default", source: "shop", path: "products/a.jpg",
			wantURL: "https://img.example.com/products/a.jpg", wantKey: "shop:/products/a.jpg"},
		{name: "prefix without slash", tenant: "default", source: "shop", path: "banners/x.png",
			wantURL: "https://img.example.com/banners/x.png", wantKey: "shop:/banners/x.png"},
		{name: "prefix is not a name prefix", tenant: "default", source: "shop", path: "bannersx/x.png", wantCode: easel.CodePermissionDenied},
		{name: "outside prefixes", tenant: "default", source: "shop", path: "private/a.jpg", wantCode: easel.CodePermissionDenied},
		{name: "other tenant", tenant: "acme", source: "shop", path: "products/a.jpg", wantCode: easel.CodeNotFound},
		{name: "unknown source", tenant: "default", source: "nope", path: "a.jpg", wantCode: easel.CodeNotFound},
		{name: "traversal out of the prefix", tenant: "default", source: "shop", path: "products/../private/a.jpg", wantCode: easel.CodeInvalidArgument},
		{name: "base path kept", tenant: "x", source: "deep", path: "a%20b.jpg",
			wantURL: "https://cdn.example.com/base/dir/a%20b.jpg", wantKey: "deep:/a b.jpg"},
		{name: "encoded traversal out of the base", tenant: "x", source: "deep", path: "%2e%2e/%2e%2e/etc/passwd", wantCode: easel.CodeInvalidArgument},
		{name: "loopback origin", tenant: "x", source: "local", path: "a.png",
			wantURL: "http://127.0.0.1:9000/a.png", wantKey: "local:/a.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, key, err := f.Resolve(tt.tenant, tt.source, tt.path)
			if tt.wantCode != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantCode, easel.ErrorCode(err), err.Error())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantURL, u.String())
			require.Equal(t, tt.wantKey, key)
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	cfg := source.NewDefaultConfig()
	cfg.Origins = map[string]source.Origin{
		"shop":  {URL: "https://img.example.com/"},
		"deep":  {URL: "https://img.example.com/deep/"},
		"acme":  {URL: "https://cdn.example.com/", Tenants: []string{"acme"}},
		"acme2": {URL: "https://cdn.example.com/", Tenants: []string{"acme", "other"}},
		"other": {URL: "https://cdn.example.com/", Tenants: []string{"other"}},
	}
	f, err := source.New(cfg, source.NewMemoryCache(1<<20))
	require.NoError(t, err)
	tests := []struct {
		name, tenant, url, wantName, wantPath string
		wantCode                              easel.Code
	}{
		{name: "the tenant's origin", tenant: "acme", url: "https://cdn.example.com/a.jpg", wantName: "acme", wantPath: "a.jpg"},
		{name: "equal bases: by name", tenant: "other", url: "https://cdn.example.com/a.jpg", wantName: "acme2", wantPath: "a.jpg"},
		{name: "not open to the tenant", tenant: "nobody", url: "https://cdn.example.com/a.jpg", wantCode: easel.CodePermissionDenied},
		{name: "root", url: "https://img.example.com/a/b.jpg", wantName: "shop", wantPath: "a/b.jpg"},
		{name: "longest base wins", url: "https://img.example.com/deep/b.jpg", wantName: "deep", wantPath: "b.jpg"},
		{name: "host case", url: "https://IMG.example.com/b.jpg", wantName: "shop", wantPath: "b.jpg"},
		{name: "escapes kept", url: "https://img.example.com/a%20b.jpg", wantName: "shop", wantPath: "a%20b.jpg"},
		{name: "other scheme", url: "http://img.example.com/b.jpg", wantCode: easel.CodePermissionDenied},
		{name: "other host", url: "https://evil.example.com/b.jpg", wantCode: easel.CodePermissionDenied},
		{name: "host suffix", url: "https://img.example.com.evil.example/b.jpg", wantCode: easel.CodePermissionDenied},
		{name: "userinfo trick", url: "https://img.example.com@evil.example/b.jpg", wantCode: easel.CodeInvalidArgument},
		{name: "query", url: "https://img.example.com/b.jpg?x=1", wantCode: easel.CodeInvalidArgument},
		{name: "relative", url: "/b.jpg", wantCode: easel.CodeInvalidArgument},
		{name: "file", url: "file:///etc/passwd", wantCode: easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, p, err := f.Match(tt.tenant, tt.url)
			if tt.wantCode != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantCode, easel.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantName, name)
			require.Equal(t, tt.wantPath, p)
		})
	}
}
