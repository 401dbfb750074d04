package transform

import (
	"strings"

	"github.com/easelhq/easel"
)

// SourceMarker starts the third segment of a delivery URL that names a
// remote source and a path instead of an asset:
// /i/{signature}/{operations}/src:{name}/{path}.
const SourceMarker = "src:"

// IsSourcePath reports whether rest, the part of a delivery URL path after
// "/i/", names a source (its third segment starts with "src:").
func IsSourcePath(rest string) bool {
	parts := strings.SplitN(rest, "/", 4)
	return len(parts) >= 3 && strings.HasPrefix(parts[2], SourceMarker)
}

// ParseSourcePath splits rest, "{signature}/{operations}/src:{name}/{path}",
// into its parts; rawPath stays percent-encoded, as the source fetcher
// checks it. The format comes from the operations (f_) or the original:
// the path's extension is the source's, not an output format. The signed
// path is rest[len(sig)+1:], as for asset URLs.
func ParseSourcePath(rest string) (sig, ops, name, rawPath string, err error) {
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" || parts[3] == "" || !strings.HasPrefix(parts[2], SourceMarker) {
		return "", "", "", "", easel.Errorf(easel.CodeInvalidArgument,
			"source delivery path must be /i/{signature}/{operations}/src:{name}/{path}")
	}
	name = strings.TrimPrefix(parts[2], SourceMarker)
	if name == "" {
		return "", "", "", "", easel.Errorf(easel.CodeInvalidArgument, "src: names no source")
	}
	return parts[0], parts[1], name, parts[3], nil
}

// SignedSourcePath returns "/i/{signature}/{ops}/src:{name}/{rawPath}"
// signed with key; rawPath is percent-encoded and relative to the source.
func SignedSourcePath(key []byte, ops, name, rawPath string) string {
	path := ops + "/" + SourceMarker + name + "/" + strings.TrimPrefix(rawPath, "/")
	return DeliveryPrefix + Sign(key, path) + "/" + path
}
