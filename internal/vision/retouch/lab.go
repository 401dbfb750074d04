package retouch

import "math"

// CIE L*a*b* under D65, from and to 8-bit sRGB.

// linear holds the sRGB decoding of every byte value.
var linear = func() (t [256]float64) {
	for i := range t {
		c := float64(i) / 255
		if c <= 0.04045 {
			t[i] = c / 12.92
		} else {
			t[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return t
}()

// D65 white point.
const (
	whiteX = 0.95047
	whiteZ = 1.08883
)

const (
	labEps   = 216.0 / 24389
	labKappa = 24389.0 / 27
)

func labF(t float64) float64 {
	if t > labEps {
		return math.Cbrt(t)
	}
	return (labKappa*t + 16) / 116
}

func labFInv(f float64) float64 {
	if t := f * f * f; t > labEps {
		return t
	}
	return (116*f - 16) / labKappa
}

// toLab converts an sRGB pixel to L* (0..100), a*, b*.
func toLab(r, g, b byte) (L, A, B float64) {
	lr, lg, lb := linear[r], linear[g], linear[b]
	x := (0.4124564*lr + 0.3575761*lg + 0.1804375*lb) / whiteX
	y := 0.2126729*lr + 0.7151522*lg + 0.0721750*lb
	z := (0.0193339*lr + 0.1191920*lg + 0.9503041*lb) / whiteZ
	fx, fy, fz := labF(x), labF(y), labF(z)
	return 116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)
}

// fromLab converts L*a*b* to sRGB values 0..255, not rounded, clamped to
// the gamut.
func fromLab(L, A, B float64) (r, g, b float64) {
	fy := (L + 16) / 116
	fx, fz := fy+A/500, fy-B/200
	x, y, z := labFInv(fx)*whiteX, labFInv(fy), labFInv(fz)*whiteZ
	lr := 3.2404542*x - 1.5371385*y - 0.4985314*z
	lg := -0.9692660*x + 1.8760108*y + 0.0415560*z
	lb := 0.0556434*x - 0.2040259*y + 1.0572252*z
	return encode(lr), encode(lg), encode(lb)
}

// encode is the sRGB encoding of a linear value, to 0..255.
func encode(c float64) float64 {
	c = min(1, max(0, c))
	if c <= 0.0031308 {
		c *= 12.92
	} else {
		c = 1.055*math.Pow(c, 1/2.4) - 0.055
	}
	return 255 * c
}
