package easel

import (
	"slices"
	"strings"
)

// Scope is one thing an API key may do.
type Scope string

// The scopes of API keys.
const (
	// ScopeUpload: upload (POST /v1/assets, tus at /v1/uploads), submit
	// tasks, batches and flow runs, and issue upload tokens.
	ScopeUpload Scope = "upload"
	// ScopeRead: read assets, tasks, batches, flows and rules.
	ScopeRead Scope = "read"
	// ScopeDeliver: sign delivery URLs (POST /v1/sign).
	ScopeDeliver Scope = "deliver"
	// ScopeAdmin: delete assets.
	ScopeAdmin Scope = "admin"
)

// AllScopes are every scope, in their canonical order. Keys made before
// scopes existed have them all.
var AllScopes = Scopes{ScopeUpload, ScopeRead, ScopeDeliver, ScopeAdmin}

// Scopes is a set of scopes, kept in the canonical order of AllScopes.
type Scopes []Scope

// ParseScopes reads a comma-separated list of scopes ("upload,read"); an
// unknown scope gives CodeInvalidArgument, an empty list no scope.
func ParseScopes(s string) (Scopes, error) {
	var out Scopes
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(AllScopes, Scope(f)) {
			return nil, Errorf(CodeInvalidArgument, "unknown scope %q (want upload, read, deliver or admin)", f)
		}
		out = append(out, Scope(f))
	}
	return out.Canonical(), nil
}

// Canonical returns the scopes without duplicates, in the order of
// AllScopes (nil when there is none).
func (s Scopes) Canonical() Scopes {
	var out Scopes
	for _, sc := range AllScopes {
		if slices.Contains(s, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// Has reports whether s holds scope.
func (s Scopes) Has(scope Scope) bool { return slices.Contains(s, scope) }

// String is the comma-separated list, as ParseScopes reads it.
func (s Scopes) String() string {
	parts := make([]string, len(s))
	for i, sc := range s {
		parts[i] = string(sc)
	}
	return strings.Join(parts, ",")
}
