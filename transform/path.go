package transform

import (
	"strings"

	"github.com/easelhq/easel"
)

// DeliveryPrefix is the path under which delivery URLs are served.
const DeliveryPrefix = "/i/"

// ParsePath splits the part of a delivery URL path after "/i/",
// "{signature}/{operations}/{asset}[.{ext}]", into its parts. It checks the
// shape only: exactly three non-empty segments, an asset ID as easel.ValidID
// accepts, and an extension, when there is one, among jpg, jpeg, png, webp,
// avif, gif and jxl (ext is FormatNone when there is none). It neither
// verifies the signature nor parses the operations.
//
// The signed path, to give to Verify, is rest without the signature and its
// slash: rest[len(sig)+1:].
func ParsePath(rest string) (sig, ops, assetID string, ext Format, err error) {
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", "", easel.Errorf(easel.CodeInvalidArgument,
			"delivery path must be /i/{signature}/{operations}/{asset}[.{ext}]")
	}
	sig, ops, assetID = parts[0], parts[1], parts[2]
	if id, e, found := strings.Cut(assetID, "."); found {
		var ok bool
		if ext, ok = FormatFromExt(e); !ok {
			return "", "", "", "", easel.Errorf(easel.CodeInvalidArgument,
				"extension %s: must be jpg, jpeg, png, webp, avif, gif or jxl", quoteItem(e))
		}
		assetID = id
	}
	if !easel.ValidID(assetID) {
		return "", "", "", "", easel.Errorf(easel.CodeInvalidArgument, "asset %s: not an asset ID", quoteItem(assetID))
	}
	return sig, ops, assetID, ext, nil
}

// SignedPath returns the delivery path "/i/{signature}/{ops}/{assetID}[.{ext}]"
// signed with key. ops is an operations segment (usually Options.String())
// and ext an extension without the dot, or "" for none.
func SignedPath(key []byte, ops, assetID, ext string) string {
	path := ops + "/" + assetID
	if ext != "" {
		path += "." + ext
	}
	return DeliveryPrefix + Sign(key, path) + "/" + path
}
