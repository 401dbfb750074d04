-- 0007: tenants as business lines, API key scopes and expiry.
--
-- tenants.disabled_at: when the tenant was disabled (NULL: enabled);
-- tenants.state_changes counts disables and enables, so the signing keys
-- version (which every node polls) grows when a tenant's state changes.
-- api_keys.scopes: comma-separated scopes; keys made before this migration
-- keep every scope. api_keys.expires_at: NULL for a key that never expires.

ALTER TABLE tenants ADD COLUMN disabled_at BIGINT;
ALTER TABLE tenants ADD COLUMN state_changes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'upload,read,deliver,admin';
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
