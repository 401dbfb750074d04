// Package vips is easel's image engine: it probes image headers and executes
// a transform.Plan with libvips (through github.com/davidbyttow/govips/v2).
// It is the only cgo package of the project.
//
// libvips is started once per process by the first New; an Engine only holds
// its limits. Render and Probe are safe for concurrent use. Decoding is lazy:
// Probe reads headers only, and Render lets libvips shrink on load (JPEG
// shrink, WebP scale, HEIF thumbnails, SVG/PDF scale) through
// vips_thumbnail_buffer whenever the plan has no crop box.
//
// A render is the ordered list of steps in steps.go: one load step
// (shrink-on-load thumbnail, smart-crop thumbnail or full decode), the frame
// steps (orient, crop box, rotate and flip, resize, sRGB, extract, embed,
// effects, face effects, watermark), then finish (flatten, strip, encode).
// The context is checked between steps, and inside libvips an eval
// callback sets the kill flag of the running evaluation once the context
// ends (cancel.go), so a deadline stops a long blur or encode. Renders are
// priced before they start (transform.Cost) and refused over
// Config.MaxCost. sRGB-equivalent embedded profiles cost no colour
// transform (icc.go).
//
// MakeLevels builds an original's pyramid (levels.go); transform.ChooseLevel
// and transform.PlanForLevel render from a level with the geometry of the
// original.
//
// Formats: JPEG, PNG, WebP, GIF, AVIF, HEIF, TIFF, JXL, SVG (and svgz) and PDF
// are read natively; BMP is read through libvips' ImageMagick loader. ICO,
// JPEG 2000 and anything else are refused with easel.CodeUnsupportedMedia.
// Output is JPEG, PNG, WebP, AVIF, GIF or JXL, always 8-bit sRGB with all
// metadata stripped.
package vips
