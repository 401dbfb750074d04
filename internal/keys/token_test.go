package keys_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/keys"
)

func TestUploadTokenIssue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	tokens := keys.NewUploadTokens(b.keys, keys.UploadTokenConfig{
		MaxBytes: 1 << 20,
		CheckOps: func(ops []string) error {
			if ops[0] == "bad" {
				return easel.Errorf(easel.CodeInvalidArgument, "ops[0]: bad")
			}
			return nil
		},
		CheckFlow: func(name string) error {
			if name != "thumbs" {
				return easel.Errorf(easel.CodeNotFound, "no flow %q", name)
			}
			return nil
		},
	})
	tests := []struct {
		name    string
		req     keys.UploadTokenRequest
		wantErr easel.Code
	}{
		{name: "defaults", req: keys.UploadTokenRequest{}},
		{name: "everything", req: keys.UploadTokenRequest{ExpiresIn: "24h", MaxBytes: 1000, Types: []string{"JPG", "png", "jpeg"}, Ops: []string{"w_100"}}},
		{name: "flow", req: keys.UploadTokenRequest{Flow: "thumbs"}},
		{name: "lifetime over 24h", req: keys.UploadTokenRequest{ExpiresIn: "25h"}, wantErr: easel.CodeInvalidArgument},
		{name: "lifetime zero", req: keys.UploadTokenRequest{ExpiresIn: "0s"}, wantErr: easel.CodeInvalidArgument},
		{name: "lifetime not a duration", req: keys.UploadTokenRequest{ExpiresIn: "soon"}, wantErr: easel.CodeInvalidArgument},
		{name: "max bytes negative", req: keys.UploadTokenRequest{MaxBytes: -1}, wantErr: easel.CodeInvalidArgument},
		{name: "max bytes over the server's", req: keys.UploadTokenRequest{MaxBytes: 2 << 20}, wantErr: easel.CodeInvalidArgument},
		{name: "unknown type", req: keys.UploadTokenRequest{Types: []string{"exe"}}, wantErr: easel.CodeInvalidArgument},
		{name: "bad ops", req: keys.UploadTokenRequest{Ops: []string{"bad"}}, wantErr: easel.CodeInvalidArgument},
		{name: "unknown flow", req: keys.UploadTokenRequest{Flow: "nope"}, wantErr: easel.CodeNotFound},
		{name: "ops and flow", req: keys.UploadTokenRequest{Ops: []string{"w_1"}, Flow: "thumbs"}, wantErr: easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		tok, err := tokens.Issue(ctx, b.tenant, tt.req)
		require.Equal(t, tt.wantErr, easel.ErrorCode(err), "%s: %v", tt.name, err)
		if tt.wantErr != "" {
			continue
		}
		p, err := b.keys.Authenticate(ctx, tok.Token)
		require.NoError(t, err, tt.name)
		require.Equal(t, b.tenant, p.TenantID)
		require.Equal(t, easel.Scopes{easel.ScopeUpload}, p.Scopes)
		require.NotNil(t, p.Token)
		require.Equal(t, tok.MaxBytes, p.Token.MaxBytes)
		require.Equal(t, tok.ExpiresAt, p.Token.Expiry())
		require.LessOrEqual(t, time.Until(tok.ExpiresAt), 24*time.Hour)
		switch tt.name {
		case "defaults":
			require.Equal(t, int64(1<<20), tok.MaxBytes, "the server's limit")
			require.WithinDuration(t, time.Now().Add(10*time.Minute), tok.ExpiresAt, 2*time.Second)
		case "everything":
			require.Equal(t, []string{"jpeg", "png"}, p.Token.Types)
			require.Equal(t, []string{"w_100"}, p.Token.Ops)
			require.Equal(t, int64(1000), p.Token.MaxBytes)
		case "flow":
			require.Equal(t, "thumbs", p.Token.Flow)
		}
	}
}

func TestUploadTokenVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, keys.Config{})
	other, err := b.keys.CreateTenant(ctx, "other")
	require.NoError(t, err)
	tok, claims, err := b.keys.IssueUploadToken(ctx, keys.UploadClaims{TenantID: b.tenant, MaxBytes: 10}, time.Minute)
	require.NoError(t, err)
	short, _, err := b.keys.IssueUploadToken(ctx, keys.UploadClaims{TenantID: b.tenant}, time.Second)
	require.NoError(t, err)
	_, _, err = b.keys.IssueUploadToken(ctx, keys.UploadClaims{TenantID: b.tenant}, 25*time.Hour)
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "no token lives past 24h")

	body, sig, _ := strings.Cut(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(body, keys.UploadTokenPrefix))
	require.NoError(t, err)
	reencode := func(c keys.UploadClaims) string {
		b, err := json.Marshal(c)
		require.NoError(t, err)
		return keys.UploadTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	}
	var c keys.UploadClaims
	require.NoError(t, json.Unmarshal(payload, &c))
	require.Equal(t, claims, c)
	otherTenant, bigger, longer := c, c, c
	otherTenant.TenantID = other.ID
	bigger.MaxBytes = 1 << 40
	longer.ExpiresAt += 3600

	tests := []struct {
		name  string
		token string
		want  easel.Code
	}{
		{"valid", tok, ""},
		{"claims another tenant", reencode(otherTenant) + "." + sig, easel.CodeUnauthenticated},
		{"raises its cap", reencode(bigger) + "." + sig, easel.CodeUnauthenticated},
		{"extends its life", reencode(longer) + "." + sig, easel.CodeUnauthenticated},
		{"no signature", body, easel.CodeUnauthenticated},
		{"garbage", keys.UploadTokenPrefix + "!!!.???", easel.CodeUnauthenticated},
		{"an API key's prefix", keys.APIKeyPrefix + strings.TrimPrefix(tok, keys.UploadTokenPrefix), easel.CodeUnauthenticated},
		{"huge", keys.UploadTokenPrefix + strings.Repeat("a", 20<<10), easel.CodeUnauthenticated},
	}
	for _, tt := range tests {
		p, err := b.keys.Authenticate(ctx, tt.token)
		require.Equal(t, tt.want, easel.ErrorCode(err), "%s: %v", tt.name, err)
		if tt.want == "" {
			require.Equal(t, b.tenant, p.TenantID)
			require.Equal(t, int64(10), p.Token.MaxBytes)
		}
	}

	time.Sleep(time.Until(time.Unix(time.Now().Unix()+2, 0)))
	_, err = b.keys.Authenticate(ctx, short)
	require.Equal(t, easel.CodeTokenExpired, easel.ErrorCode(err), "%v", err)

	// Revoking the signing key it was made with ends the token.
	require.NoError(t, b.keys.Revoke(ctx, c.KeyID))
	_, err = b.keys.Authenticate(ctx, tok)
	require.Equal(t, easel.CodeUnauthenticated, easel.ErrorCode(err), "%v", err)
}
