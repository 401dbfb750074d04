package svgsafe

import "strings"

// Namespaces the sanitiser understands. Elements must be in svgNS (or in no
// namespace, which the output then places in svgNS); attributes in no
// namespace, xlinkNS or xmlNS.
const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

// allowedElements are the SVG elements kept: structure, shapes, text, paint
// servers, clipping and masking, filters and declarative animation. Anything
// else (script, foreignObject, handler, iframe, embed, object, font-face-uri,
// color-profile, metadata, elements of other namespaces) is dropped with its
// whole subtree. Names are case-sensitive, as in XML.
var allowedElements = setOf(
	"svg", "g", "defs", "symbol", "use", "title", "desc", "switch", "view", "a", "style",
	"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "image",
	"text", "tspan", "textPath",
	"linearGradient", "radialGradient", "stop", "pattern",
	"clipPath", "mask", "marker",
	"filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
	"feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight",
	"feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
	"feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset",
	"fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
	"animate", "animateMotion", "animateTransform", "set", "mpath",
)

// animationElements are the elements whose attributeName must not target a
// reference, an event handler or style.
var animationElements = setOf("animate", "animateMotion", "animateTransform", "set")

// allowedAttributes are the attributes in no namespace that are kept:
// geometry, presentation, text, paint servers, filters and animation timing.
// Event handlers (on*) are never in it.
var allowedAttributes = setOf(
	// core and structure
	"id", "class", "style", "lang", "tabindex", "version", "baseProfile",
	"viewBox", "preserveAspectRatio", "transform", "x", "y", "width", "height",
	"cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2", "fx", "fy", "fr",
	"points", "d", "pathLength", "href", "target", "type", "media", "title",
	"requiredFeatures", "requiredExtensions", "systemLanguage", "role", "focusable",
	"aria-label", "aria-hidden", "aria-labelledby", "aria-describedby",
	// presentation
	"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
	"stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
	"stroke-dashoffset", "opacity", "color", "color-interpolation",
	"color-interpolation-filters", "color-rendering", "display", "visibility",
	"overflow", "clip", "clip-path", "clip-rule", "mask", "filter", "marker",
	"marker-start", "marker-mid", "marker-end", "paint-order", "vector-effect",
	"shape-rendering", "image-rendering", "text-rendering", "mix-blend-mode",
	"isolation", "stop-color", "stop-opacity", "flood-color", "flood-opacity",
	"lighting-color", "transform-origin", "transform-box",
	// text
	"font-family", "font-size", "font-size-adjust", "font-stretch", "font-style",
	"font-variant", "font-weight", "text-anchor", "text-decoration",
	"dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing",
	"word-spacing", "writing-mode", "direction", "unicode-bidi", "dx", "dy",
	"rotate", "textLength", "lengthAdjust", "startOffset", "method", "spacing", "side",
	// paint servers, clipping, markers
	"gradientUnits", "gradientTransform", "spreadMethod", "offset",
	"patternUnits", "patternContentUnits", "patternTransform",
	"clipPathUnits", "maskUnits", "maskContentUnits",
	"markerUnits", "markerWidth", "markerHeight", "refX", "refY", "orient",
	// filters
	"filterUnits", "primitiveUnits", "in", "in2", "result", "mode", "operator",
	"k1", "k2", "k3", "k4", "values", "tableValues", "slope", "intercept",
	"amplitude", "exponent", "stdDeviation", "edgeMode", "order", "kernelMatrix",
	"divisor", "bias", "targetX", "targetY", "preserveAlpha", "kernelUnitLength",
	"surfaceScale", "diffuseConstant", "specularConstant", "specularExponent",
	"scale", "xChannelSelector", "yChannelSelector", "radius", "baseFrequency",
	"numOctaves", "seed", "stitchTiles", "azimuth", "elevation", "z",
	"pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle", "crossorigin",
	// animation
	"attributeName", "attributeType", "begin", "dur", "end", "min", "max",
	"restart", "repeatCount", "repeatDur", "calcMode", "keyTimes", "keySplines",
	"keyPoints", "from", "to", "by", "additive", "accumulate", "path",
)

// allowedXMLAttributes are the attributes kept in the xml: namespace;
// xml:base is not among them (it would change what a reference resolves to).
var allowedXMLAttributes = setOf("space", "lang")

// referenceAttributes hold a URL: they are kept only as a fragment "#id".
var referenceAttributes = setOf("href")

// isEventAttribute reports whether name looks like an event handler, whatever
// its case: the allow-list already leaves them out; this is the second lock.
func isEventAttribute(local string) bool {
	return len(local) > 2 && strings.EqualFold(local[:2], "on")
}

// forbiddenAnimationTarget reports whether an animation's attributeName may
// not be animated: references, event handlers and style.
func forbiddenAnimationTarget(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		n = n[i+1:]
	}
	return n == "href" || n == "src" || n == "style" || n == "" || isEventAttribute(n)
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
