// Package fingerprint computes compact descriptions of an image: perceptual
// hashes for near-duplicate search, a BlurHash placeholder and the dominant
// colours. It is pure Go and works on an 8-bit sRGB raster, RGB, which the
// caller decodes (and orients) beforehand.
//
// # Hashes
//
// PHash is the DCT hash in its common form (as in Python's imagehash and
// github.com/corona10/goimagehash): the luma is area-averaged down to 32×32,
// transformed by a 2-D DCT-II, and the 64 lowest frequencies (the top-left
// 8×8 block, DC term included) become one bit each: 1 when the coefficient
// is above the block's median, after AC coefficients within 3% of the
// largest AC magnitude are set to zero (a dead zone: their signs are noise,
// which re-encoding or a tiny local edit flips). The most significant bit is the DC term, so
// bit 63 is 1 for every non-blank image; the other 63 bits carry the
// information. DHash area-averages the luma to 9×8 and sets a bit where a
// pixel is darker than its right-hand neighbour. Both are stored and shown
// as 16 lower-case hex digits (Hex, ParseHex) and compared by Hamming
// distance (Distance): a few bits apart means the same picture re-encoded,
// resized or slightly edited.
//
// Every function reads the raster once through an exact area (box) filter:
// each output pixel is the coverage-weighted mean of the source pixels under
// it, so downscaling has no aliasing and the result does not depend on how
// the source size divides the output size.
package fingerprint
