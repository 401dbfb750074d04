package keys

import "context"

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
