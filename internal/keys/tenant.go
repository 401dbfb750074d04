package keys

import (
	"context"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// TenantOf returns the tenant whose active signing key made sig over path,
// ok false when none did. Like Verify, it reads the database only when
// the signature matches no key held in memory, at most once a second.
func (k *Keys) TenantOf(ctx context.Context, sig, path string) (tenantID string, ok bool, err error) {
	if ok, err := k.Verify(ctx, "", sig, path); err != nil || !ok {
		return "", false, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	for id, keys := range k.signing {
		if verifyAny(keys, sig, path) != "" {
			return id, true, nil
		}
	}
	return "", false, nil
}

// CreateTenant makes a tenant (a business line) with its first URL signing
// key and, when the store keeps them, its webhook secret. Its API keys are
// made with CreateAPIKey.
func (k *Keys) CreateTenant(ctx context.Context, name string) (easel.Tenant, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return easel.Tenant{}, easel.Errorf(easel.CodeInvalidArgument, "a tenant's name must have 1 to 100 characters")
	}
	t := easel.Tenant{ID: easel.NewID(), Name: name, CreatedAt: time.Now().UTC()}
	if err := k.meta.CreateTenant(ctx, t); err != nil {
		return easel.Tenant{}, err
	}
	if _, err := k.CreateSigningKey(ctx, t.ID); err != nil {
		return easel.Tenant{}, err
	}
	if _, ok := k.meta.(easel.TaskStore); ok && k.cfg.NewWebhookSecret != nil {
		if _, err := k.RotateWebhookSecret(ctx, t.ID); err != nil {
			return easel.Tenant{}, err
		}
	}
	return t, nil
}

// ListTenants returns every tenant, oldest first, disabled ones included.
func (k *Keys) ListTenants(ctx context.Context) ([]easel.Tenant, error) {
	return k.meta.ListTenants(ctx)
}

// GetTenant returns the tenant with this ID.
func (k *Keys) GetTenant(ctx context.Context, id string) (easel.Tenant, error) {
	return k.meta.GetTenant(ctx, id)
}

// DisableTenant disables the tenant: its API keys (at once on every node:
// they are checked in the store), its upload tokens and delivery URLs (at
// once on this node, within Config.Refresh on the others) are refused with
// tenant_disabled. Its assets and keys are kept; EnableTenant undoes it.
func (k *Keys) DisableTenant(ctx context.Context, id string) error {
	now := time.Now().UTC()
	return k.setDisabled(ctx, id, &now)
}

// EnableTenant enables a disabled tenant again.
func (k *Keys) EnableTenant(ctx context.Context, id string) error {
	return k.setDisabled(ctx, id, nil)
}

func (k *Keys) setDisabled(ctx context.Context, id string, at *time.Time) error {
	if err := k.meta.SetTenantDisabled(ctx, id, at); err != nil {
		return err
	}
	k.invalidate()
	return nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying who the request acts for.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal WithPrincipal put in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
