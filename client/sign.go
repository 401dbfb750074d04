package client

import (
	"fmt"
	"strings"

	"github.com/easelhq/easel/transform"
)

// SigningKey is a tenant's URL signing key: its ID (as `easel key list`
// shows it; informative, the URL does not carry it) and its secret.
type SigningKey struct {
	ID     string
	Secret []byte
}

// SignURL returns the signed delivery URL of the asset with the operations
// (validated and canonicalised through transform; "-" or "original" serve
// the original) and an optional extension, on the client's first endpoint.
func (c *Client) SignURL(key SigningKey, ops, assetID, ext string) (string, error) {
	p, err := SignPath(key, ops, assetID, ext)
	if err != nil {
		return "", err
	}
	return c.endpoints[0].String() + p, nil
}

// SignPath returns the signed delivery path "/i/{sig}/{ops}/{asset}[.ext]".
func SignPath(key SigningKey, ops, assetID, ext string) (string, error) {
	if len(key.Secret) == 0 {
		return "", fmt.Errorf("client: signing key %q has no secret", key.ID)
	}
	if assetID == "" || strings.ContainsAny(assetID, "/.?#") {
		return "", fmt.Errorf("client: asset ID %q is not valid", assetID)
	}
	canonical := "-"
	if ops != "-" {
		o, err := transform.Parse(ops)
		if err != nil {
			return "", fmt.Errorf("client: operations %q: %w", ops, err)
		}
		if !o.Original {
			canonical = o.String()
		}
	}
	return transform.SignedPath(key.Secret, canonical, assetID, strings.TrimPrefix(ext, ".")), nil
}
