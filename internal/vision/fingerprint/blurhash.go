package fingerprint

import (
	"fmt"
	"image"
	"math"

	"github.com/buckket/go-blurhash"
)

// Default BlurHash components: 4 across, 3 down.
const (
	DefaultBlurHashX = 4
	DefaultBlurHashY = 3
)

// blurHashSide bounds the thumbnail BlurHash is computed from: its few
// cosine components need no more, and the encoder's cost is per pixel.
const blurHashSide = 32

// BlurHash returns the BlurHash (https://blurha.sh) of img with xComp×yComp
// components, each 1..9; zero values mean the defaults, 4×3. It is computed
// on an area-averaged copy of at most 32×32 pixels.
func BlurHash(img RGB, xComp, yComp int) (string, error) {
	if err := img.Validate(); err != nil {
		return "", err
	}
	if xComp == 0 && yComp == 0 {
		xComp, yComp = DefaultBlurHashX, DefaultBlurHashY
	}
	if xComp < 1 || xComp > 9 || yComp < 1 || yComp > 9 {
		return "", fmt.Errorf("fingerprint: blurhash components %d×%d out of 1..9", xComp, yComp)
	}
	w, h := fit(img, blurHashSide)
	rgb := area(img, w, h)
	thumb := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		p := thumb.Pix[4*i : 4*i+4]
		p[0], p[1], p[2], p[3] = toByte(rgb[3*i]), toByte(rgb[3*i+1]), toByte(rgb[3*i+2]), 0xff
	}
	s, err := blurhash.Encode(xComp, yComp, thumb)
	if err != nil {
		return "", fmt.Errorf("fingerprint: blurhash: %w", err)
	}
	return s, nil
}

// toByte rounds a channel mean to 0..255.
func toByte(v float64) byte { return byte(min(255, max(0, math.Round(v)))) }
