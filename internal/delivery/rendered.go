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
	// Values holds the response's header values, made once per rendering
	// so that a cached hit formats nothing.
	Values   HeaderValues
	tenantID string
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
	return &c
}
