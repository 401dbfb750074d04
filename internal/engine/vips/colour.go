package vips

import govips "github.com/davidbyttow/govips/v2/vips"

// toSRGB converts img to 8-bit sRGB (3 bands, 4 with alpha) with its
// embedded profile (CMYK without one: libvips' built-in CMYK profile) and
// drops the profile. An RGB image without a profile, or with one equivalent
// to sRGB, is sRGB already: no colour transform runs.
func toSRGB(img *govips.ImageRef) error {
	interp := img.Interpretation()
	if interp == govips.InterpretationSRGB && img.BandFormat() == govips.BandFormatUchar &&
		(img.Bands() == 3 || img.Bands() == 4) && img.HasICCProfile() && isSRGBProfile(img.GetICCProfile()) {
		// An sRGB profile: converting to sRGB would change nothing but cost
		// a colour transform over every pixel. Drop it.
		if err := img.RemoveICCProfile(); err != nil {
			return failed("colour", err)
		}
		return nil
	}
	if img.HasICCProfile() || interp == govips.InterpretationCMYK {
		fallback := "srgb"
		if interp == govips.InterpretationCMYK {
			fallback = "cmyk"
		} else if img.Bands() <= 2 {
			fallback = ""
		}
		if fallback != "" || img.HasICCProfile() {
			if fallback == "" {
				fallback = "srgb"
			}
			if err := img.TransformICCProfileWithFallback("srgb", fallback); err != nil {
				// A broken embedded profile: fall back to plain colourspace
				// conversion below rather than refusing the image.
				if interp == govips.InterpretationCMYK {
					return failed("colour", err)
				}
			}
		}
		if img.HasICCProfile() {
			if err := img.RemoveICCProfile(); err != nil {
				return failed("colour", err)
			}
		}
	}
	if img.Interpretation() != govips.InterpretationSRGB || img.BandFormat() != govips.BandFormatUchar {
		if err := img.ToColorSpace(govips.InterpretationSRGB); err != nil {
			return failed("colour", err)
		}
	}
	if img.BandFormat() != govips.BandFormatUchar {
		if err := img.Cast(govips.BandFormatUchar); err != nil {
			return failed("colour", err)
		}
	}
	return nil
}
