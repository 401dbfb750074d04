// Package transform is the operations grammar of easel and the planner that
// turns parsed operations into what the image engine executes. It is pure Go:
// no cgo, no I/O.
//
// The flow for a delivery URL is:
//
//	sig, ops, id, ext, err := transform.ParsePath(rest)    // rest: the path after "/i/"
//	ok := transform.Verify(keys, sig, rest[len(sig)+1:])   // the signed path
//	o, err := transform.Parse(ops)
//	o, err = transform.Expand(o, presets)                  // t_ presets
//	plan, err := transform.NewPlan(o, source, cfg)         // source from the engine's probe
//
// # Delivery URLs
//
// A delivery URL has the path
//
//	/i/{signature}/{operations}/{asset}[.{ext}]
//
// where asset is an asset ID and ext, optional, one of jpg, jpeg, png, webp,
// avif, gif and jxl. The signature is the base64url encoding, without
// padding, of the first 16 bytes of HMAC-SHA256 under one of the tenant's
// signing keys of "{operations}/{asset}[.{ext}]" exactly as it appears in the
// URL, still percent-encoded (see Sign, Verify and SignedPath). Signatures
// of 16 to 32 bytes (22 to 43 characters) are accepted.
//
// # Operations grammar
//
// The operations are one path segment: items separated by commas, each
// key_value. The key is everything before the first "_", the value is the
// rest, so t_my_preset has the key t and the value my_preset. The segment
// "-" alone means the original: the stored bytes, untouched; it cannot be
// combined with any item. An empty segment is invalid.
//
// Items may come in any order, but no item may come twice: w_100,w_200 is an
// error, and so is pg_1,pg_all. fl_h and fl_v are two items, and so are
// effects of different kinds (e_blur:2,e_grayscale); the same effect twice is
// an error. Keys and values are case-sensitive and lower-case, hex colours
// excepted.
//
// Numbers are decimal digits, with a "-" for those that may be negative;
// decimals (dpr_, e_blur, e_sharpen, e_blur_faces, g_fp) may have a fraction (1.5) but no
// exponent. Colours are hex: rgb, rrggbb or, where alpha is allowed,
// rrggbbaa (ff opaque).
//
// Geometry:
//
//	w_<n>        width, 1..8192 (MaxDimension), multiplied by dpr_
//	h_<n>        height, 1..8192, multiplied by dpr_
//	dpr_<x>      device pixel ratio, 1..4, decimals allowed (dpr_1.5); default 1
//	c_<mode>     how the image meets w_ x h_: fit (default), fill, crop, pad, scale, limit
//	g_<gravity>  center (default; centre is accepted too), north, north_east, east,
//	             south_east, south, south_west, west, north_west, smart, face,
//	             faces, or fp_<x>:<y>, a focal point with x, y fractions 0..1
//	             (g_fp_0.3:0.7)
//	up_1         allow enlarging (up_0, the default, is accepted)
//	bg_<colour>  background for c_pad and for flattening alpha; default white
//	cr_<x>:<y>:<w>:<h>  crop this box first, in pixels of the image as displayed;
//	             x, y 0..65535, w, h 1..65535; the box must lie within the image
//	a_<deg>      rotate clockwise by 90, 180 or 270 (EXIF orientation is always applied)
//	fl_h, fl_v   flip horizontally, vertically (after rotating)
//
// Crop modes, for a box of w_ x h_ (times dpr_):
//
//	fit    scale to fit inside the box, aspect ratio kept. With only w_ or only
//	       h_, the other side follows the aspect ratio.
//	limit  like fit, but never enlarges, even with up_1.
//	fill   scale to cover the box, then cut the box out at g_ (g_smart: where
//	       libvips' attention strategy finds the interest; g_fp: centred on the
//	       focal point, kept inside the image; g_face, g_faces: see below).
//	crop   no scaling: cut min(w_, width) x min(h_, height) out at g_. With
//	       only w_ or only h_, only that side is cut.
//	pad    fit inside the box, then centre the result on a canvas of exactly
//	       the box, filled with bg_; compass gravities place it instead.
//	scale  exactly the box, aspect ratio not kept.
//
// Face gravities use the faces the analysis found in the image (see
// PlanConfig.Faces); they matter only to fill and crop, like g_smart, and
// elsewhere (pad) they are center. g_face centres the cut on the largest
// face (by box area), g_faces on the bounding box of all the faces, and the
// cut contains that box whole whenever it is at least as large as the box
// (rounded outwards to pixels), still kept inside the image. Faces cut away
// by cr_ do not count. Without any face, g_face and g_faces are g_smart.
// When a face effect (below) needs the faces, g_smart is g_faces too: the
// faces must be placed when planning, before libvips would choose where to
// cut by attention.
//
// With only one of w_ and h_, fill, pad and scale behave like fit. Without
// up_1 no mode enlarges the image: fit, limit and pad keep its size when it
// is smaller than the box (pad still pads it to the box); scale stretches
// each side at most to its own size; fill, when covering the box would
// enlarge the image, keeps its size and cuts min(w_, width) x min(h_, height)
// out of it, so the output may be smaller than the box. Sizes are rounded to
// the nearest pixel and are never 0.
//
// Pages and frames:
//
//	pg_<n>   page or frame n, 0-based, 0..9999 (default 0); past the last page is an error
//	pg_all   keep all frames of an animation; only when the output is gif or
//	         webp, otherwise the first frame
//	so_<s>   of a video: the poster frame at s seconds (0..86400, decimals
//	         allowed: so_2.5); default 10% of the duration, at most 5 s;
//	         past the end of the video is an error; images refuse it
//
// Effects, applied in this order whatever the order of the items:
//
//	e_grayscale
//	e_bw[:<t>]          black and white by threshold, 0..255, default 128
//	e_blur:<sigma>      gaussian blur, 0.1..100
//	e_sharpen[:<sigma>] 0.1..10, default 1
//	e_brightness:<n>    -100..100
//	e_contrast:<n>      -100..100
//	e_saturation:<n>    -100..100
//	e_hue:<deg>         -360..360
//	e_tint:<colour>     rgb or rrggbb
//	e_sepia
//	e_invert
//	e_pixelate:<n>      block size, 2..256
//	e_redeye            red-eye removal, in the eyes of the faces
//	e_whiten[:<s>]      teeth whitening, strength 1..100, default 50
//	e_blur_faces[:<sigma>]    gaussian blur of the faces, 0.1..100, default 15
//	e_pixelate_faces[:<n>]    pixelation of the faces, block size 2..256, default 12
//
// A 0 argument (e_brightness:0) is accepted and means the effect is off.
//
// The last four are face effects: they act only on the faces the analysis
// found in the source, mapped through every geometric step to the output
// (Plan.Faces), and leave an image without faces as it is.
//
// Faces come from the analysis, in pixels of the source as displayed, and
// are mapped in order through the crop box, the rotation, the flips, the
// resize (per-axis factors), the extract and the embed, in continuous
// coordinates where pixel (i, j) spans [i, i+1) x [j, j+1). Faces wholly
// outside the image, the crop box or the extract are dropped, the boxes of
// the others are clipped, and in the end rounded outwards to whole pixels;
// keypoints are mapped but never clipped.
//
// Watermarks: an image overlay, a text, or both.
//
//	l_<asset>     overlay another asset of the same tenant, by ID
//	lw_<pct>      overlay width as a percentage of the image's, 1..100; default its own size
//	lo_<pct>      overlay opacity, 1..100, default 100
//	txt_<text>    text, percent-encoded as in a URL path (a comma is %2C, a
//	              space %20; + is a plus); 1..200 characters of valid UTF-8
//	              once decoded, no control characters
//	tc_<colour>   text colour, rgb, rrggbb or rrggbbaa, not fully transparent; default white
//	ts_<px>       text height in pixels, 4..512, default 32
//	lg_<gravity>  where the overlay and the text go: a compass gravity or center;
//	              default south_east; applies to both when both are set
//
// lg_ needs l_ or txt_; lo_ and lw_ need l_; tc_ and ts_ need txt_.
//
// Output:
//
//	f_<format>  jpeg (or jpg), png, webp, avif, gif, jxl, or auto: AVIF when
//	            the request's Accept header lists image/avif, else WebP when it
//	            lists image/webp, else JPEG (see Negotiate). Default: the source's format when
//	            easel can write it, else png for images with alpha and jpeg
//	            for the others.
//	q_<n>       quality 1..100; default per format (jpeg 80, webp 80, avif 55,
//	            jxl 75), configurable
//
// Presets:
//
//	t_<name>  the options of a named preset from the configuration, name
//	          [a-z0-9][a-z0-9_-]{0,63}; items given beside it override the
//	          preset's (see Expand)
//
// # Canonical form
//
// Options.String writes the canonical form of the operations: items in the
// order t, pg, so, cr, a, fl_h, fl_v, w, h, dpr, c, g, up, bg, e_ (in the order
// above), l, lg, lo, lw, txt, tc, ts, q, f; numbers in their shortest form
// (dpr_1.5, e_blur:4); colours as lower-case rrggbb, or rrggbbaa when not
// opaque; defaults that are the zero value (up_0, pg_0) and the default
// arguments of effects (e_bw:128 as e_bw, e_sharpen:1 as e_sharpen,
// e_whiten:50 as e_whiten, e_blur_faces:15 as e_blur_faces,
// e_pixelate_faces:12 as e_pixelate_faces) left out; text percent-encoded with
// url.PathEscape, which escapes everything but ASCII letters, digits and
// "-._~:@&=+$", commas and slashes included. Defaults given explicitly that
// a field can tell from "not set" (c_fit, g_center, dpr_1) are kept, as they
// override a preset's. Options with no item at all,
// "the image re-encoded as it is", are written pg_0 so that the segment is
// never empty. For every o that Parse returns, Parse(o.String()) returns o
// again, so the canonical form is a stable cache key.
//
// # Errors
//
// Every error of Parse is an *easel.Error with easel.CodeInvalidArgument
// whose message starts with the offending item:
//
//	w_99999: width must be 1..8192
//	foo_1: unknown operation "foo"
//	e_blur:2: e_blur given more than once
package transform
