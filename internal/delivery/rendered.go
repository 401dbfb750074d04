package delivery

import "strconv"

// Rendered is a delivered image. It is shared by every request it answers
// (the memory cache hands out the same one): never modify it.
type Rendered struct {
	Data        []byte
	ContentType string
	ETag        string // quoted
	AssetID     string
	Layer       string // what answered: memory, store or render
	Faces       int    // faces the face operations used; -1: none asked for, or not known (a stored variant)
	// Source is what a render read: "original", or "level-<side>" for a
	// level of the pyramid; empty when not known (a stored variant).
	Source string
	// Values holds the response's header values, made once per rendering
	// so that a cached hit formats nothing.
	Values HeaderValues
	// Timer, when not nil, observes how long answering with this rendering
	// took (bound once per rendering and layer, see TimerBinder).
	Timer    Timer
	tenantID string
	// resolved holds, for a rendering in the memory cache, its Resolved
	// without and with Vary, so that a hit allocates none.
	resolved [2]*Resolved
}

// HeaderValues are ready-made one-element value lists for the headers of a
// delivered image, shared by every response: assign them, never append to
// or change them. Faces is nil when no face operation was asked for.
type HeaderValues struct {
	ContentType   []string
	ContentLength []string
	ETag          []string
	Layer         []string
	Faces         []string
	AssetID       []string
	Source        []string // nil when the source is not known
}

// withSource sets what the render read, and its header value.
func (r *Rendered) withSource(source string) *Rendered {
	r.Source = source
	if source != "" {
		r.Values.Source = []string{source}
	}
	return r
}

// newRendered returns a Rendered with its header values made.
func newRendered(data []byte, contentType, etag, assetID, tenantID, layer string, faces int) *Rendered {
	r := &Rendered{Data: data, ContentType: contentType, ETag: etag, AssetID: assetID, Layer: layer, Faces: faces, tenantID: tenantID}
	r.Values = HeaderValues{
		ContentType:   []string{contentType},
		ContentLength: []string{strconv.Itoa(len(data))},
		ETag:          []string{etag},
		Layer:         []string{layer},
		AssetID:       []string{assetID},
	}
	if faces >= 0 {
		r.Values.Faces = []string{strconv.Itoa(faces)}
	}
	return r
}

// as returns a copy of r answered by another layer.
func (r *Rendered) as(layer string) *Rendered {
	c := *r
	c.Layer = layer
	c.Values.Layer = []string{layer}
	c.resolved = [2]*Resolved{}
	return &c
}

// cached returns the copy of r kept in the memory cache under key.
func (r *Rendered) cached(key string) *Rendered {
	c := r.as("memory")
	c.resolved = [2]*Resolved{
		{ETag: c.ETag, hit: c, key: key},
		{ETag: c.ETag, Vary: true, hit: c, key: key},
	}
	return c
}

// resolvedHit is the shared Resolved of a memory-cache hit.
func (r *Rendered) resolvedHit(vary bool) *Resolved {
	if vary {
		return r.resolved[1]
	}
	return r.resolved[0]
}
