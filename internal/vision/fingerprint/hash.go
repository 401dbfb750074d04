package fingerprint

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// dctSize is the side of the grey image the DCT hash transforms; hashSide
// is the side of the block of lowest frequencies it keeps.
const (
	dctSize  = 32
	hashSide = 8

	// deadZone is the magnitude, relative to the largest AC coefficient,
	// under which an AC coefficient counts as zero (see PHash).
	deadZone = 0.03
)

// dctCos[u][x] is cos((2x+1)uπ / 2N) for the lowest hashSide frequencies u.
var dctCos = func() (c [hashSide][dctSize]float64) {
	for u := range hashSide {
		for x := range dctSize {
			c[u][x] = math.Cos(float64(2*x+1) * float64(u) * math.Pi / (2 * dctSize))
		}
	}
	return c
}()

// PHash returns the 64-bit DCT perceptual hash of img (see the package
// overview). An empty or malformed raster hashes to 0.
func PHash(img RGB) uint64 {
	if img.Validate() != nil {
		return 0
	}
	coef := coefs(img)
	// A dead zone: AC coefficients within deadZone of the largest AC
	// magnitude count as zero. Their sign is noise. In a smooth gradient
	// (luma a sum of a function of x and one of y) most coefficients are zero
	// in exact arithmetic, and a 1-unit hue change elsewhere flips half the
	// hash without it; in photos they are the bits a re-encode flips. With
	// it, re-encoded and resized photos move at most 2 bits (4 without),
	// distinct photos stay 23+ apart, and the phash corpus meets its goal.
	// It also removes rounding noise (±1e-13), which would make bits depend
	// on the CPU.
	var peak float64
	for _, c := range coef[1:] {
		peak = max(peak, math.Abs(c))
	}
	for i := 1; i < len(coef); i++ {
		if math.Abs(coef[i]) <= deadZone*peak {
			coef[i] = 0
		}
	}
	sorted := coef
	slices.Sort(sorted[:])
	median := (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	var h uint64
	for i, c := range coef {
		if c > median {
			h |= 1 << (len(coef) - 1 - i)
		}
	}
	return h
}

// coefs returns the 8×8 lowest-frequency DCT coefficients of the 32×32
// grey reduction of img, row by row (vertical frequency, then horizontal).
func coefs(img RGB) [hashSide * hashSide]float64 {
	grey := luma(area(img, dctSize, dctSize))
	// Separable orthonormal DCT-II computing only the 8×8 lowest
	// frequencies: along rows (32 rows × 8 frequencies), then along
	// columns (8 × 8).
	var rows [dctSize][hashSide]float64
	for y := range dctSize {
		line := grey[y*dctSize : (y+1)*dctSize]
		for u := range hashSide {
			var s float64
			for x, v := range line {
				s += v * dctCos[u][x]
			}
			rows[y][u] = s * alpha(u)
		}
	}
	var coef [hashSide * hashSide]float64
	for v := range hashSide {
		for u := range hashSide {
			var s float64
			for y := range dctSize {
				s += rows[y][u] * dctCos[v][y]
			}
			coef[v*hashSide+u] = s * alpha(v)
		}
	}

	return coef
}

// alpha is the orthonormal DCT-II scale of frequency u.
func alpha(u int) float64 {
	if u == 0 {
		return math.Sqrt(1.0 / dctSize)
	}
	return math.Sqrt(2.0 / dctSize)
}

// DHash returns the 64-bit difference hash of img: bit 63-(8y+x) is set when
// grey pixel (x, y) of the 9×8 reduction is darker than pixel (x+1, y). An
// empty or malformed raster hashes to 0.
func DHash(img RGB) uint64 {
	if img.Validate() != nil {
		return 0
	}
	grey := luma(area(img, hashSide+1, hashSide))
	var h uint64
	for y := range hashSide {
		line := grey[y*(hashSide+1) : (y+1)*(hashSide+1)]
		for x := range hashSide {
			if line[x] < line[x+1] {
				h |= 1 << (63 - (y*hashSide + x))
			}
		}
	}
	return h
}

// Hex formats a hash as 16 lower-case hex digits.
func Hex(h uint64) string { return fmt.Sprintf("%016x", h) }

// ParseHex parses a hash formatted by Hex (exactly 16 hex digits, either
// case).
func ParseHex(s string) (uint64, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("fingerprint: hash %q is not 16 hex digits", s)
	}
	h, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("fingerprint: hash %q is not 16 hex digits", s)
	}
	return h, nil
}

// Distance returns the Hamming distance of two hashes: the number of bits
// in which they differ, 0..64.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }
