package vips

import (
	"encoding/binary"
	"math"
)

// sRGB as an ICC v2/v4 matrix/TRC profile: the colorants adapted to the
// D50 connection space, and the sRGB transfer function.
var srgbColorants = [3][3]float64{
	{0.4361, 0.2225, 0.0139}, // rXYZ
	{0.3851, 0.7169, 0.0971}, // gXYZ
	{0.1431, 0.0606, 0.7141}, // bXYZ
}

// colorantTolerance covers the rounding of the sRGB profiles in use (HP's
// IEC61966-2.1, lcms', Apple's, Google's compact one): they differ in the
// fourth decimal.
const colorantTolerance = 0.003

// trcTolerance is the largest difference from the sRGB curve accepted, as a
// fraction of full scale: under half a step of 8 bits.
const trcTolerance = 0.5 / 255

// isSRGBProfile reports whether an ICC profile is equivalent to sRGB, so
// that converting from it to sRGB would change no 8-bit value: an RGB
// display profile with the sRGB colorants and transfer curves and no lookup
// table that a colour engine would use instead. Anything it cannot read is
// not sRGB.
func isSRGBProfile(p []byte) bool {
	if len(p) < 132 || string(p[36:40]) != "acsp" || string(p[16:20]) != "RGB " || string(p[20:24]) != "XYZ " {
		return false
	}
	tags := iccTags(p)
	if tags == nil {
		return false
	}
	for _, lut := range []string{"A2B0", "A2B1", "A2B2"} {
		if _, ok := tags[lut]; ok {
			return false
		}
	}
	for i, name := range []string{"rXYZ", "gXYZ", "bXYZ"} {
		xyz, ok := readXYZ(tags[name])
		if !ok {
			return false
		}
		for k := range 3 {
			if math.Abs(xyz[k]-srgbColorants[i][k]) > colorantTolerance {
				return false
			}
		}
	}
	for _, name := range []string{"rTRC", "gTRC", "bTRC"} {
		curve, ok := readCurve(tags[name])
		if !ok {
			return false
		}
		for i := 0; i <= 64; i++ {
			x := float64(i) / 64
			if math.Abs(curve(x)-srgbEOTF(x)) > trcTolerance {
				return false
			}
		}
	}
	return true
}

// srgbEOTF is the sRGB transfer function (IEC 61966-2-1), encoded to linear.
func srgbEOTF(x float64) float64 {
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

// iccTags returns the data of each tag of an ICC profile, or nil when the
// tag table is malformed.
func iccTags(p []byte) map[string][]byte {
	n := int(binary.BigEndian.Uint32(p[128:132]))
	if n < 1 || n > 100 || 132+12*n > len(p) {
		return nil
	}
	tags := make(map[string][]byte, n)
	for i := range n {
		e := p[132+12*i:]
		off, size := int(binary.BigEndian.Uint32(e[4:8])), int(binary.BigEndian.Uint32(e[8:12]))
		if off < 0 || size < 8 || off > len(p) || size > len(p)-off {
			return nil
		}
		tags[string(e[0:4])] = p[off : off+size]
	}
	return tags
}

func s15f16(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

// readXYZ reads an XYZType tag.
func readXYZ(t []byte) ([3]float64, bool) {
	if len(t) < 20 || string(t[0:4]) != "XYZ " {
		return [3]float64{}, false
	}
	return [3]float64{s15f16(t[8:]), s15f16(t[12:]), s15f16(t[16:])}, true
}

// readCurve reads a curveType or parametricCurveType tag as a function on
// [0, 1].
func readCurve(t []byte) (func(float64) float64, bool) {
	if len(t) < 12 {
		return nil, false
	}
	switch string(t[0:4]) {
	case "curv":
		n := int(binary.BigEndian.Uint32(t[8:12]))
		if n < 2 || len(t) < 12+2*n {
			return nil, false // 0 is identity and 1 a pure gamma: not sRGB
		}
		return func(x float64) float64 {
			pos := x * float64(n-1)
			i := min(int(pos), n-2)
			f := pos - float64(i)
			a := float64(binary.BigEndian.Uint16(t[12+2*i:])) / 65535
			b := float64(binary.BigEndian.Uint16(t[12+2*i+2:])) / 65535
			return a + f*(b-a)
		}, true
	case "para":
		fn := binary.BigEndian.Uint16(t[8:10])
		count := map[uint16]int{0: 1, 1: 3, 2: 4, 3: 5, 4: 7}[fn]
		if count == 0 || len(t) < 12+4*count {
			return nil, false
		}
		v := make([]float64, 7)
		for i := range count {
			v[i] = s15f16(t[12+4*i:])
		}
		g, a, b, c, d, e, f := v[0], v[1], v[2], v[3], v[4], v[5], v[6]
		return func(x float64) float64 {
			switch fn {
			case 0:
				return math.Pow(x, g)
			case 1:
				if x >= -b/a {
					return math.Pow(a*x+b, g)
				}
				return 0
			case 2:
				if x >= -b/a {
					return math.Pow(a*x+b, g) + c
				}
				return c
			case 3:
				if x >= d {
					return math.Pow(a*x+b, g)
				}
				return c * x
			default:
				if x >= d {
					return math.Pow(a*x+b, g) + e
				}
				return c*x + f
			}
		}, true
	}
	return nil, false
}
