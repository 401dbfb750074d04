package keys

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// UploadTokenPrefix starts every upload token.
const UploadTokenPrefix = "eut_"

// MaxUploadTokenLifetime bounds how long any upload token lives, whatever
// it was issued for.
const MaxUploadTokenLifetime = 24 * time.Hour

// maxUploadTokenLen bounds what is decoded of a presented token.
const maxUploadTokenLen = 16 << 10

// UploadClaims is what an upload token allows: uploads to one tenant, until
// ExpiresAt, within its constraints.
type UploadClaims struct {
	TenantID string `json:"t"`
	// KeyID is the signing key the token was made with: revoking it (or
	// disabling the tenant) ends the token.
	KeyID     string `json:"k"`
	IssuedAt  int64  `json:"iat"` // Unix seconds
	ExpiresAt int64  `json:"exp"` // Unix seconds
	// MaxBytes caps one upload's bytes; 0: the server's limit.
	MaxBytes int64 `json:"max,omitempty"`
	// Types are the sniffed formats allowed (jpeg, png, ...); empty: any.
	Types []string `json:"types,omitempty"`
	// Ops and Flow are fixed by the token: an upload made with it runs
	// these operations or this flow, whatever the request says.
	Ops   []string `json:"ops,omitempty"`
	Flow  string   `json:"flow,omitempty"`
	Nonce string   `json:"n"`
}

// Expiry is ExpiresAt as a time.
func (c UploadClaims) Expiry() time.Time { return time.Unix(c.ExpiresAt, 0).UTC() }

// IssueUploadToken signs claims (whose TenantID is set, and whose other
// fields the caller validated) with the tenant's newest signing key, for
// lifetime (at most MaxUploadTokenLifetime).
func (k *Keys) IssueUploadToken(ctx context.Context, claims UploadClaims, lifetime time.Duration) (string, UploadClaims, error) {
	if lifetime <= 0 || lifetime > MaxUploadTokenLifetime {
		return "", UploadClaims{}, easel.Errorf(easel.CodeInvalidArgument, "an upload token lives more than 0 and at most %s, not %s", MaxUploadTokenLifetime, lifetime)
	}
	keys, err := k.tenantKeys(ctx, claims.TenantID)
	if err != nil {
		return "", UploadClaims{}, err
	}
	if len(keys) == 0 {
		if k.disabledLoaded(claims.TenantID) {
			return "", UploadClaims{}, tenantDisabled(claims.TenantID)
		}
		return "", UploadClaims{}, easel.Errorf(easel.CodeNotFound, "tenant %s has no active signing key", claims.TenantID)
	}
	var nonce [9]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", UploadClaims{}, fmt.Errorf("upload token: %w", err)
	}
	now := time.Now()
	claims.KeyID = keys[0].id
	claims.IssuedAt = now.Unix()
	claims.ExpiresAt = now.Add(lifetime).Unix()
	claims.Nonce = base64.RawURLEncoding.EncodeToString(nonce[:])
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", UploadClaims{}, fmt.Errorf("upload token: %w", err)
	}
	body := UploadTokenPrefix + base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(tokenMAC(keys[0].secret, body)), claims, nil
}

// VerifyUploadToken checks an upload token's signature against its
// tenant's active signing keys and returns its claims: a malformed or
// forged token (or one whose key was revoked) is unauthenticated, an expired
// one token_expired, one of a disabled tenant tenant_disabled.
func (k *Keys) VerifyUploadToken(ctx context.Context, token string) (UploadClaims, error) {
	bad := easel.Errorf(easel.CodeUnauthenticated, "invalid upload token")
	if len(token) > maxUploadTokenLen || !strings.HasPrefix(token, UploadTokenPrefix) {
		return UploadClaims{}, bad
	}
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return UploadClaims{}, bad
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return UploadClaims{}, bad
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(body, UploadTokenPrefix))
	if err != nil {
		return UploadClaims{}, bad
	}
	var c UploadClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.TenantID == "" || c.KeyID == "" {
		return UploadClaims{}, bad
	}
	secret, err := k.signingSecret(ctx, c.TenantID, c.KeyID)
	if err != nil {
		return UploadClaims{}, err
	}
	if secret == nil || !hmac.Equal(mac, tokenMAC(secret, body)) {
		return UploadClaims{}, bad
	}
	if !time.Now().Before(c.Expiry()) {
		return UploadClaims{}, easel.Errorf(easel.CodeTokenExpired, "upload token expired at %s", c.Expiry().Format(time.RFC3339))
	}
	if c.ExpiresAt-c.IssuedAt > int64(MaxUploadTokenLifetime/time.Second) {
		return UploadClaims{}, bad // never issued so
	}
	return c, nil
}

// signingSecret returns the tenant's active signing key keyID, reloading the
// keys once (at most once a second) when it is not held; nil when there is
// no such key. A disabled tenant gives CodeTenantDisabled.
func (k *Keys) signingSecret(ctx context.Context, tenantID, keyID string) ([]byte, error) {
	find := func() []byte {
		k.mu.RLock()
		defer k.mu.RUnlock()
		for _, sk := range k.signing[tenantID] {
			if sk.id == keyID {
				return sk.secret
			}
		}
		return nil
	}
	if s := find(); s != nil {
		return s, nil
	}
	k.mu.RLock()
	fresh := k.signing != nil && time.Since(k.loadedAt) < time.Second
	k.mu.RUnlock()
	if !fresh {
		if err := k.reload(ctx); err != nil {
			return nil, err
		}
	}
	if s := find(); s != nil {
		return s, nil
	}
	if k.disabledLoaded(tenantID) {
		return nil, tenantDisabled(tenantID)
	}
	return nil, nil
}

// tokenMAC is the HMAC-SHA256 of body under a key derived from a signing
// key, so an upload token's MAC is never a valid URL signature.
func tokenMAC(signingSecret []byte, body string) []byte {
	d := hmac.New(sha256.New, signingSecret)
	d.Write([]byte("easel upload token v1"))
	m := hmac.New(sha256.New, d.Sum(nil))
	m.Write([]byte(body))
	return m.Sum(nil)
}
