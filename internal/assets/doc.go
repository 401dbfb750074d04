// Package assets is the use case of stored originals: read one, list them,
// delete one with its variants, and find its near duplicates by perceptual
// hash. Uploading is internal/upload. It knows nothing of HTTP.
package assets
