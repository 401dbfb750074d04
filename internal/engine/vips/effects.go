package vips

import (
	"math"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel/transform"
)

// applyEffects runs step 8 on an 8-bit sRGB image, in the order of the
// fields of transform.Effects. Alpha is never changed.
func applyEffects(img *govips.ImageRef, fx transform.Effects) error {
	if fx.Grayscale {
		if err := grayscale(img); err != nil {
			return failed("grayscale", err)
		}
	}
	if fx.BW {
		if err := threshold(img, fx.BWThreshold); err != nil {
			return failed("bw", err)
		}
	}
	if fx.Blur > 0 {
		if err := img.GaussianBlur(fx.Blur); err != nil {
			return failed("blur", err)
		}
	}
	if fx.Sharpen > 0 {
		if err := img.Sharpen(fx.Sharpen, 2, 3); err != nil {
			return failed("sharpen", err)
		}
		if err := toSRGB(img); err != nil {
			return err
		}
	}
	if fx.Brightness != 0 || fx.Contrast != 0 {
		a := 1 + float64(clamp(fx.Contrast, -100, 100))/100
		b := 128*(1-a) + float64(clamp(fx.Brightness, -100, 100))*2.55
		if err := linearColour(img, a, [3]float64{b, b, b}); err != nil {
			return failed("brightness", err)
		}
	}
	if fx.Saturation != 0 || fx.Hue != 0 {
		s := 1 + float64(clamp(fx.Saturation, -100, 100))/100
		if err := img.Modulate(1, s, float64(fx.Hue%360)); err != nil {
			return failed("saturation", err)
		}
		if err := toSRGB(img); err != nil {
			return err
		}
	}
	if t := fx.Tint; t != nil {
		s := 0.5 * float64(t.A) / 255
		if err := linearColour(img, 1-s, [3]float64{s * float64(t.R), s * float64(t.G), s * float64(t.B)}); err != nil {
			return failed("tint", err)
		}
	}
	if fx.Sepia {
		if err := sepia(img); err != nil {
			return failed("sepia", err)
		}
	}
	if fx.Invert {
		if err := linearColour(img, -1, [3]float64{255, 255, 255}); err != nil {
			return failed("invert", err)
		}
	}
	if fx.Pixelate > 1 {
		if err := pixelate(img, fx.Pixelate); err != nil {
			return failed("pixelate", err)
		}
	}
	return nil
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// linearColour sets every colour band c to a*c+b[c], clipped to 8 bits.
func linearColour(img *govips.ImageRef, a float64, b [3]float64) error {
	as, bs := []float64{a, a, a}, b[:]
	if img.HasAlpha() {
		as, bs = append(as, 1), append(bs, 0)
	}
	if err := img.Linear(as, bs); err != nil {
		return err
	}
	return img.Cast(govips.BandFormatUchar)
}

// grayscale turns img into shades of grey, kept as sRGB so that every
// encoder writes R=G=B.
func grayscale(img *govips.ImageRef) error {
	if err := img.ToColorSpace(govips.InterpretationBW); err != nil {
		return err
	}
	return img.ToColorSpace(govips.InterpretationSRGB)
}

// threshold makes every pixel black or white: white where the luminance is
// at least t (128 when t is 0).
func threshold(img *govips.ImageRef, t int) error {
	if t <= 0 {
		t = 128
	}
	if err := img.ToColorSpace(govips.InterpretationBW); err != nil {
		return err
	}
	// (x - t + 0.5) * big is >= big/2 for x >= t and <= -big/2 below: the
	// cast to uchar clips both to 255 and 0.
	const big = 10000
	as, bs := []float64{big}, []float64{-(float64(t) - 0.5) * big}
	if img.HasAlpha() {
		as, bs = append(as, 1), append(bs, 0)
	}
	if err := img.Linear(as, bs); err != nil {
		return err
	}
	if err := img.Cast(govips.BandFormatUchar); err != nil {
		return err
	}
	if err := img.ToColorSpace(govips.InterpretationSRGB); err != nil {
		return err
	}
	return nil
}

// sepia recombines the colour bands with the usual sepia matrix.
func sepia(img *govips.ImageRef) error {
	m := [][]float64{
		{0.393, 0.769, 0.189},
		{0.349, 0.686, 0.168},
		{0.272, 0.534, 0.131},
	}
	if err := img.Recomb(m); err != nil {
		return err
	}
	return img.Cast(govips.BandFormatUchar)
}

// pixelate averages blocks of size n and scales them back up with nearest
// neighbour, keeping the size of img.
func pixelate(img *govips.ImageRef, n int) error {
	w, h := img.Width(), img.Height()
	n = min(n, max(w, h))
	sw, sh := max(int(math.Ceil(float64(w)/float64(n))), 1), max(int(math.Ceil(float64(h)/float64(n))), 1)
	if err := img.ResizeWithVScale(float64(sw)/float64(w), float64(sh)/float64(h), govips.KernelLinear); err != nil {
		return err
	}
	if err := fixSize(img, sw, sh); err != nil {
		return err
	}
	if err := img.Zoom(n, n); err != nil {
		return err
	}
	return fixSize(img, w, h)
}
