// Package svgsafe makes uploaded SVG documents safe to serve from the
// delivery origin.
//
// An SVG is an active document: served as image/svg+xml and opened directly,
// it runs its <script> elements, its on* event handlers and its javascript:
// links with the delivery origin's privileges (stored XSS), and it may fetch
// external resources. [Sanitize] rewrites a document through an allow-list of
// SVG elements and attributes with a streaming XML tokenizer (encoding/xml),
// so what comes out is well-formed SVG that still draws its shapes and holds:
//
//   - no <script>, <foreignObject>, <iframe>, <embed>, <object>, <handler>, no
//     element outside the SVG namespace (an XHTML <script> through a default
//     namespace declaration included) and no element outside the allow-list,
//     each dropped with everything inside it;
//   - no on* event attribute and no attribute outside the allow-list;
//   - href and xlink:href only as a fragment reference "#id" (so <use>,
//     <image>, <feImage>, <a> reach only the document itself): javascript:,
//     data:, vbscript:, http(s):, file: and relative URLs are removed, after
//     XML entity decoding (java&#x73;cript:) and whatever the whitespace;
//   - url(...) in attributes, style attributes and <style> only as url(#id);
//     no @import, no expression(), no CSS escapes or binding properties;
//   - no <set>/<animate> that targets href, an event attribute or style;
//   - no DOCTYPE (so no entity declarations: a billion-laughs or external
//     entity reference is an error, never an expansion), no processing
//     instruction (<?xml-stylesheet?>), no comments;
//   - bounded input size (the limit passed in) and element depth
//     ([MaxDepth]).
//
// Sanitize takes plain XML: decompress an .svgz first, through a reader that
// bounds the decompressed size.
//
// # Serving originals of active types
//
// Sanitising at upload removes the script; serving never trusts that alone.
// Whatever serves the original bytes of an active type (SVG, XML, HTML, PDF:
// see [IsActive]) should add the headers of [SafeHeaders]:
//
//	Content-Security-Policy: default-src 'none'; sandbox
//	Content-Disposition: attachment
//	X-Content-Type-Options: nosniff
//
// The policy forbids every script, fetch and plugin and puts the document in
// a unique origin even if a future parser disagrees with this sanitiser; the
// attachment disposition keeps a browser from rendering it inline on the
// delivery origin. Rasterised renders (PNG, JPEG, WebP, AVIF) need neither.
package svgsafe
