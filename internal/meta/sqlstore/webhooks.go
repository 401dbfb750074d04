package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/easelhq/easel"
)

// WebhookSecret returns the tenant's callback signing secret. A missing
// tenant, or one without a secret, gives easel.CodeNotFound.
func (s *Store) WebhookSecret(ctx context.Context, tenantID string) ([]byte, error) {
	var secret sql.NullString
	err := s.read.QueryRowContext(ctx, "SELECT webhook_secret FROM tenants WHERE id = ?", tenantID).Scan(&secret)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, easel.Errorf(easel.CodeNotFound, "tenant %s not found", tenantID)
	case err != nil:
		return nil, s.errorf("webhook secret of %q: %w", tenantID, err)
	case !secret.Valid:
		return nil, easel.Errorf(easel.CodeNotFound, "tenant %s has no webhook secret", tenantID)
	}
	b, err := decodeBytes(secret.String)
	if err != nil {
		return nil, s.errorf("tenant %q: bad stored webhook secret: %w", tenantID, err)
	}
	return b, nil
}

// SetWebhookSecret sets (or replaces) the tenant's callback signing secret.
// An empty secret gives easel.CodeInvalidArgument, a missing tenant
// easel.CodeNotFound.
func (s *Store) SetWebhookSecret(ctx context.Context, tenantID string, secret []byte) error {
	if len(secret) == 0 {
		return easel.Errorf(easel.CodeInvalidArgument, "webhook secret is empty")
	}
	res, err := s.write.ExecContext(ctx, "UPDATE tenants SET webhook_secret = ? WHERE id = ?", encodeBytes(secret), tenantID)
	if err != nil {
		return s.errorf("set webhook secret of %q: %w", tenantID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.errorf("set webhook secret of %q: %w", tenantID, err)
	}
	if n == 0 {
		return easel.Errorf(easel.CodeNotFound, "tenant %s not found", tenantID)
	}
	return nil
}
