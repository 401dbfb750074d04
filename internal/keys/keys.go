package keys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// APIKeyPrefix starts every API key secret, so leaked keys are easy to spot.
const APIKeyPrefix = "ek_"

// Config configures Keys.
type Config struct {
	// Refresh is how often Run reads the store's signing keys version: a key
	// revoked on another node stops verifying within Refresh (plus one
	// reload). Zero means DefaultRefresh.
	Refresh time.Duration
	// NewWebhookSecret makes a callback signing secret and
	// FormatWebhookSecret shows one (internal/webhook's NewSecret and
	// FormatSecret). Without them, the tenants get no webhook secrets.
	NewWebhookSecret    func() ([]byte, error)
	FormatWebhookSecret func([]byte) string
}

// DefaultRefresh is Config.Refresh when it is zero.
const DefaultRefresh = 5 * time.Second

// Keys manages tenants, API keys and URL signing keys. Signing keys are kept
// in memory: verifying a signature reads no database. They are reloaded
//   - at once on this node when it creates or revokes a key;
//   - within Config.Refresh on every node running Run, which reads the
//     store's SigningKeysVersion and reloads when it changed;
//   - when a signature fails to verify (at most once a second), so keys
//     created by `easel key create` while the server runs work at once.
type Keys struct {
	meta easel.MetaStore
	cfg  Config

	mu         sync.RWMutex
	signing    map[string][]signingKey // tenant ID → active keys, newest first
	disabled   map[string]bool         // tenant ID → disabled when signing was read
	version    int64                   // the store's SigningKeysVersion when signing was read
	loadedAt   time.Time
	refreshing sync.Mutex
	// generation grows whenever the keys held in memory are replaced or
	// dropped, so a caller that remembers which key verified something can
	// tell with one atomic load that nothing changed since.
	generation atomic.Uint64
}

type signingKey struct {
	id     string
	secret []byte
}

// New returns a Keys over meta.
func New(meta easel.MetaStore, cfg Config) *Keys {
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefresh
	}
	return &Keys{meta: meta, cfg: cfg}
}

// Bootstrap creates the default tenant with one API key and one signing key
// when there is no tenant yet, and gives every tenant a webhook secret when
// the store keeps them. It returns the new API key's secret, or "" when the
// tenant existed already.
func (k *Keys) Bootstrap(ctx context.Context) (apiKey string, err error) {
	tenants, err := k.meta.ListTenants(ctx)
	if err != nil {
		return "", err
	}
	if ts, ok := k.meta.(easel.TaskStore); ok && k.cfg.NewWebhookSecret != nil {
		defer func() {
			if err == nil {
				err = k.ensureWebhookSecrets(ctx, ts)
			}
		}()
	}
	if len(tenants) > 0 {
		return "", nil
	}
	t, err := k.CreateTenant(ctx, "default")
	if err != nil {
		return "", err
	}
	secret, _, err := k.CreateAPIKey(ctx, t.ID, "default")
	if err != nil {
		return "", err
	}
	return secret, nil
}

func (k *Keys) ensureWebhookSecrets(ctx context.Context, ts easel.TaskStore) error {
	tenants, err := k.meta.ListTenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if _, err := ts.WebhookSecret(ctx, t.ID); easel.IsNotFound(err) {
			if _, err := k.RotateWebhookSecret(ctx, t.ID); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// RotateWebhookSecret gives the tenant a new callback signing secret and
// returns it as whsec_... . Receivers must switch to it.
func (k *Keys) RotateWebhookSecret(ctx context.Context, tenantID string) (string, error) {
	ts, ok := k.meta.(easel.TaskStore)
	if !ok || k.cfg.NewWebhookSecret == nil || k.cfg.FormatWebhookSecret == nil {
		return "", easel.Errorf(easel.CodeInternal, "this metadata store keeps no webhook secrets")
	}
	secret, err := k.cfg.NewWebhookSecret()
	if err != nil {
		return "", err
	}
	if err := ts.SetWebhookSecret(ctx, tenantID, secret); err != nil {
		return "", err
	}
	return k.cfg.FormatWebhookSecret(secret), nil
}

// WebhookSecret returns the tenant's callback signing secret as whsec_... .
func (k *Keys) WebhookSecret(ctx context.Context, tenantID string) (string, error) {
	ts, ok := k.meta.(easel.TaskStore)
	if !ok || k.cfg.FormatWebhookSecret == nil {
		return "", easel.Errorf(easel.CodeInternal, "this metadata store keeps no webhook secrets")
	}
	secret, err := ts.WebhookSecret(ctx, tenantID)
	if err != nil {
		return "", err
	}
	return k.cfg.FormatWebhookSecret(secret), nil
}

// DefaultTenant returns the oldest tenant.
func (k *Keys) DefaultTenant(ctx context.Context) (easel.Tenant, error) {
	tenants, err := k.meta.ListTenants(ctx)
	if err != nil {
		return easel.Tenant{}, err
	}
	if len(tenants) == 0 {
		return easel.Tenant{}, easel.Errorf(easel.CodeNotFound, "no tenant yet: start `easel serve` once or run `easel key create`")
	}
	return tenants[0], nil
}

// APIKeyOption sets a property of a new API key.
type APIKeyOption func(*easel.APIKey) error

// WithScopes gives a new API key these scopes instead of all of them; an
// empty list is refused.
func WithScopes(scopes easel.Scopes) APIKeyOption {
	return func(key *easel.APIKey) error {
		if key.Scopes = scopes.Canonical(); len(key.Scopes) == 0 {
			return easel.Errorf(easel.CodeInvalidArgument, "an API key needs at least one scope")
		}
		return nil
	}
}

// WithExpiry makes a new API key stop authenticating d after its creation
// (key_expired); d must be positive.
func WithExpiry(d time.Duration) APIKeyOption {
	return func(key *easel.APIKey) error {
		if d <= 0 {
			return easel.Errorf(easel.CodeInvalidArgument, "an API key's expiry must be positive, not %s", d)
		}
		at := key.CreatedAt.Add(d)
		key.ExpiresAt = &at
		return nil
	}
}

// CreateAPIKey makes a new API key for the tenant and returns its secret,
// which is not stored and cannot be shown again. The key has every scope
// and never expires unless opts say otherwise.
func (k *Keys) CreateAPIKey(ctx context.Context, tenantID, name string, opts ...APIKeyOption) (string, easel.APIKey, error) {
	var raw [20]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", easel.APIKey{}, fmt.Errorf("api key: %w", err)
	}
	secret := APIKeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:]))
	key := easel.APIKey{
		ID:        easel.NewID(),
		TenantID:  tenantID,
		Name:      name,
		Prefix:    secret[:len(APIKeyPrefix)+6],
		Hash:      hashSecret(secret),
		CreatedAt: time.Now().UTC(),
		Scopes:    easel.AllScopes,
	}
	for _, o := range opts {
		if err := o(&key); err != nil {
			return "", easel.APIKey{}, err
		}
	}
	if err := k.meta.CreateAPIKey(ctx, key); err != nil {
		return "", easel.APIKey{}, err
	}
	return secret, key, nil
}

// CreateSigningKey makes a new URL signing key for the tenant. Older keys stay
// valid until revoked; new URLs are signed with the newest.
func (k *Keys) CreateSigningKey(ctx context.Context, tenantID string) (easel.SigningKey, error) {
	sk := easel.SigningKey{ID: easel.NewID(), TenantID: tenantID, Secret: make([]byte, 32), CreatedAt: time.Now().UTC()}
	if _, err := rand.Read(sk.Secret); err != nil {
		return easel.SigningKey{}, fmt.Errorf("signing key: %w", err)
	}
	if err := k.meta.CreateSigningKey(ctx, sk); err != nil {
		return easel.SigningKey{}, err
	}
	k.invalidate()
	return sk, nil
}

// Revoke revokes the API key or signing key with the given ID.
func (k *Keys) Revoke(ctx context.Context, id string) error {
	now := time.Now().UTC()
	err := k.meta.RevokeAPIKey(ctx, id, now)
	if easel.IsNotFound(err) {
		err = k.meta.RevokeSigningKey(ctx, id, now)
	}
	if easel.IsNotFound(err) {
		return easel.Errorf(easel.CodeNotFound, "no key with ID %s", id)
	}
	k.invalidate()
	return err
}

// Principal is who a request acts for: a tenant, with the scopes of the API
// key or upload token that authenticated it.
type Principal struct {
	TenantID string
	// KeyID is the API key's ID; "" for an upload token.
	KeyID  string
	Scopes easel.Scopes
	// Token holds an upload token's constraints; nil for an API key.
	Token *UploadClaims
}

// Authenticate returns who an API key secret (ek_...) or an upload token
// (eut_...) acts for. An unknown, malformed or revoked credential is
// unauthenticated, an expired one key_expired or token_expired, one of a
// disabled tenant tenant_disabled.
func (k *Keys) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if strings.HasPrefix(secret, UploadTokenPrefix) {
		claims, err := k.VerifyUploadToken(ctx, secret)
		if err != nil {
			return Principal{}, err
		}
		return Principal{TenantID: claims.TenantID, Scopes: easel.Scopes{easel.ScopeUpload}, Token: &claims}, nil
	}
	if !strings.HasPrefix(secret, APIKeyPrefix) {
		return Principal{}, easel.Errorf(easel.CodeUnauthenticated, "missing or malformed API key")
	}
	key, err := k.meta.APIKeyByHash(ctx, hashSecret(secret))
	if easel.IsNotFound(err) {
		return Principal{}, easel.Errorf(easel.CodeUnauthenticated, "unknown API key")
	}
	if err != nil {
		return Principal{}, err
	}
	if key.RevokedAt != nil {
		return Principal{}, easel.Errorf(easel.CodeUnauthenticated, "API key revoked")
	}
	if key.ExpiresAt != nil && !time.Now().Before(*key.ExpiresAt) {
		return Principal{}, easel.Errorf(easel.CodeKeyExpired, "API key %s expired at %s", key.Prefix, key.ExpiresAt.Format(time.RFC3339))
	}
	t, err := k.meta.GetTenant(ctx, key.TenantID)
	if err != nil {
		return Principal{}, err
	}
	if t.DisabledAt != nil {
		return Principal{}, easel.Errorf(easel.CodeTenantDisabled, "tenant %s is disabled", t.ID)
	}
	return Principal{TenantID: key.TenantID, KeyID: key.ID, Scopes: key.Scopes}, nil
}

// SignPath returns the signed delivery path of ops applied to assetID (ext may
// be empty), signed with the tenant's newest active signing key.
func (k *Keys) SignPath(ctx context.Context, tenantID, ops, assetID, ext string) (string, error) {
	keys, err := k.tenantKeys(ctx, tenantID)
	if err != nil {
		return "", err
	}
	if len(keys) == 0 {
		if k.disabledLoaded(tenantID) {
			return "", tenantDisabled(tenantID)
		}
		return "", easel.Errorf(easel.CodeNotFound, "tenant %s has no active signing key", tenantID)
	}
	return transform.SignedPath(keys[0].secret, ops, assetID, ext), nil
}

// Verify reports whether sig signs path under one of the tenant's active
// keys. tenantID "" checks every tenant's keys. It reads the database only
// when the signature matches no key held in memory, at most once a second.
func (k *Keys) Verify(ctx context.Context, tenantID, sig, path string) (bool, error) {
	id, err := k.VerifyKey(ctx, tenantID, sig, path)
	return id != "", err
}

// VerifyKey is Verify returning the ID of the key that signed path, or ""
// when none of the tenant's active keys did.
//
// A disabled tenant's keys verify nothing: with its tenantID, the error
// carries CodeTenantDisabled.
func (k *Keys) VerifyKey(ctx context.Context, tenantID, sig, path string) (string, error) {
	if id := k.verifyLoaded(tenantID, sig, path); id != "" {
		return id, nil
	}
	k.mu.RLock()
	fresh := time.Since(k.loadedAt) < time.Second
	k.mu.RUnlock()
	if !fresh {
		if err := k.reload(ctx); err != nil {
			return "", err
		}
		if id := k.verifyLoaded(tenantID, sig, path); id != "" {
			return id, nil
		}
	}
	if tenantID != "" && k.disabledLoaded(tenantID) {
		return "", tenantDisabled(tenantID)
	}
	return "", nil
}

// disabledLoaded reports whether the tenant was disabled when the keys
// held in memory were read.
func (k *Keys) disabledLoaded(tenantID string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.disabled[tenantID]
}

func tenantDisabled(tenantID string) error {
	return easel.Errorf(easel.CodeTenantDisabled, "tenant %s is disabled", tenantID)
}

// Generation changes whenever the keys held in memory may have changed (a
// reload, a creation or revocation on this node). Reading it is one atomic
// load: a caller that verified a URL under a key may trust that result
// while Generation is what it was then, and otherwise ask KeyLive.
func (k *Keys) Generation() uint64 { return k.generation.Load() }

// KeyLive reports whether the signing key with this ID is one of the
// tenant's active keys held in memory.
func (k *Keys) KeyLive(tenantID, keyID string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, sk := range k.signing[tenantID] {
		if sk.id == keyID {
			return true
		}
	}
	return false
}

func (k *Keys) verifyLoaded(tenantID, sig, path string) string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if tenantID != "" {
		return verifyAny(k.signing[tenantID], sig, path)
	}
	for _, keys := range k.signing {
		if id := verifyAny(keys, sig, path); id != "" {
			return id
		}
	}
	return ""
}

func verifyAny(keys []signingKey, sig, path string) string {
	for _, sk := range keys {
		if transform.Verify([][]byte{sk.secret}, sig, path) {
			return sk.id
		}
	}
	return ""
}

func (k *Keys) tenantKeys(ctx context.Context, tenantID string) ([]signingKey, error) {
	k.mu.RLock()
	keys, ok := k.signing[tenantID]
	k.mu.RUnlock()
	if ok {
		return keys, nil
	}
	if err := k.reload(ctx); err != nil {
		return nil, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.signing[tenantID], nil
}

// reload reads every tenant's active signing keys. Concurrent callers share one reload.
func (k *Keys) reload(ctx context.Context) error {
	k.mu.RLock()
	started := k.loadedAt
	k.mu.RUnlock()
	k.refreshing.Lock()
	defer k.refreshing.Unlock()
	k.mu.RLock()
	done := k.loadedAt.After(started)
	k.mu.RUnlock()
	if done {
		return nil
	}
	// The version is read first: a change made while the keys are listed
	// leaves an older version behind, and the next refresh reloads again.
	version, err := k.meta.SigningKeysVersion(ctx)
	if err != nil {
		return err
	}
	tenants, err := k.meta.ListTenants(ctx)
	if err != nil {
		return err
	}
	signing := make(map[string][]signingKey, len(tenants))
	disabled := map[string]bool{}
	for _, t := range tenants {
		if t.DisabledAt != nil {
			// Its keys verify nothing while it is disabled.
			disabled[t.ID] = true
			signing[t.ID] = nil
			continue
		}
		sks, err := k.meta.ListSigningKeys(ctx, t.ID)
		if err != nil {
			return err
		}
		var active []signingKey
		for i := len(sks) - 1; i >= 0; i-- { // newest first
			if sks[i].RevokedAt == nil {
				active = append(active, signingKey{id: sks[i].ID, secret: sks[i].Secret})
			}
		}
		signing[t.ID] = active
	}
	k.mu.Lock()
	k.signing, k.disabled, k.version, k.loadedAt = signing, disabled, version, time.Now()
	k.generation.Add(1)
	k.mu.Unlock()
	return nil
}

// invalidate forgets the keys held in memory: the next use reloads them.
func (k *Keys) invalidate() {
	k.mu.Lock()
	k.signing, k.disabled, k.loadedAt = nil, nil, time.Time{}
	k.generation.Add(1)
	k.mu.Unlock()
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
