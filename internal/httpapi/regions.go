package httpapi

import (
	"context"
	"net/http"
	"strings"
)

// Regions sends requests for another region's assets to that region: the
// API of the region that holds an asset serves it, renders it and runs its
// tasks (config region and regions).
type Regions struct {
	// Region is this node's region.
	Region string
	// Bases maps each region to the base URL of its API, without a
	// trailing slash.
	Bases map[string]string
	// Asset and Task return the tenant and region of an asset or a task;
	// an error (not found, a store outage) serves the request here, where
	// it gets the answer it would have had anyway. Both are called on
	// every request for an asset, so they should cache: an asset's region
	// never changes.
	Asset func(ctx context.Context, id string) (tenant, region string, err error)
	Task  func(ctx context.Context, id string) (tenant, region string, err error)
}

// redirectCacheControl lets a CDN keep a delivery redirect for a while: an
// asset does not move between regions.
var redirectCacheControl = []string{"public, max-age=300"}

// elsewhere returns the base URL of the region that holds the asset or
// task the request names when it is another region's (an API route, after
// authentication: the tenant must own it, so nothing is told about other
// tenants' IDs).
func (g *Regions) elsewhere(r *http.Request, tenant string) (string, bool) {
	if g == nil {
		return "", false
	}
	var lookup func(context.Context, string) (string, string, error)
	switch p := r.Pattern; {
	case strings.Contains(p, " /v1/assets/{id}"):
		lookup = g.Asset
	case strings.Contains(p, " /v1/tasks/{id}"):
		lookup = g.Task
	default:
		return "", false
	}
	owner, region, err := lookup(r.Context(), r.PathValue("id"))
	if err != nil || owner != tenant {
		return "", false
	}
	return g.base(region)
}

// deliveryElsewhere is elsewhere for a delivery path
// (/i/<signature>/<operations>/<asset>[.<ext>]): the asset is the last
// segment, and the signature is checked by the region that renders.
func (g *Regions) deliveryElsewhere(r *http.Request) (string, bool) {
	path := r.URL.Path
	id := path[strings.LastIndexByte(path, '/')+1:]
	if dot := strings.IndexByte(id, '.'); dot >= 0 {
		id = id[:dot]
	}
	if id == "" || strings.Count(path, "/") < 4 {
		return "", false
	}
	_, region, err := g.Asset(r.Context(), id)
	if err != nil {
		return "", false
	}
	return g.base(region)
}

func (g *Regions) base(region string) (string, bool) {
	if region == "" || region == g.Region {
		return "", false
	}
	base, ok := g.Bases[region]
	return base, ok
}

// redirectRegion answers 307 to the same path and query at base: the
// method and body are kept, so a POST is repeated there.
func redirectRegion(w http.ResponseWriter, r *http.Request, base string, cacheControl []string) {
	h := w.Header()
	h.Set("Location", base+r.URL.RequestURI())
	h["Cache-Control"] = cacheControl
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// noStore keeps API redirects, which depend on the API key, out of caches.
var noStore = []string{"private, no-store"}
