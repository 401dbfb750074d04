package transform

import "math"

// layout sets the resize, extract and embed steps of p, and its output
// size, for a working image of ww x wh (after the crop box and rotation)
// holding faces (in its coordinates), for g_face, g_faces and g_smart.
func (p *Plan) layout(o Options, ww, wh int, faces []faceBox) {
	dpr := o.DPR
	if dpr == 0 {
		dpr = 1
	}
	tw, th := scaleDim(o.Width, dpr), scaleDim(o.Height, dpr)
	mode := o.Crop
	if tw == 0 || th == 0 {
		switch mode {
		case CropFill, CropPad, CropScale:
			mode = CropFit // one side given: nothing to fill, pad or stretch
		}
	}
	rw, rh := ww, wh // the size after resizing
	target, hasTarget := faceTarget(o.Gravity.Type, faces, o.Effects.NeedsFaces())
	p.Width, p.Height = ww, wh
	switch {
	case tw == 0 && th == 0:
	case mode == CropCrop:
		ew, eh := ww, wh
		if tw > 0 {
			ew = min(tw, ww)
		}
		if th > 0 {
			eh = min(th, wh)
		}
		p.extract(o.Gravity, ww, wh, ew, eh, target, hasTarget)
	case mode == CropFill:
		rw, rh = cover(ww, wh, tw, th, o.Upscale)
		if hasTarget {
			target = scaleFaces([]faceBox{target}, ww, wh, rw, rh)[0]
		}
		p.extract(o.Gravity, rw, rh, min(tw, rw), min(th, rh), target, hasTarget)
	case mode == CropPad:
		rw, rh = fit(ww, wh, tw, th, o.Upscale)
		p.Width, p.Height = tw, th
		if rw != tw || rh != th {
			p.Embed = &Rect{
				X: anchorX(o.Gravity.Type, tw, rw),
				Y: anchorY(o.Gravity.Type, th, rh),
				W: tw, H: th,
			}
		}
	case mode == CropScale:
		rw, rh = tw, th
		if !o.Upscale {
			rw, rh = min(tw, ww), min(th, wh)
		}
		p.Width, p.Height = rw, rh
	default: // fit, limit
		rw, rh = fit(ww, wh, tw, th, o.Upscale && mode != CropLimit)
		p.Width, p.Height = rw, rh
	}
	if rw != ww || rh != wh {
		p.ResizeWidth, p.ResizeHeight = rw, rh
	}
}

// extract cuts ew x eh out of an image of w x h at gravity g, and makes it
// the output size. It does nothing when the cut is the whole image. With a
// target (faces, in the coordinates of the w x h image), the cut is centred
// on it and contains it whole when it is large enough; without one, g_face
// and g_faces are g_smart.
func (p *Plan) extract(g Gravity, w, h, ew, eh int, target faceBox, hasTarget bool) {
	p.Width, p.Height = w, h
	if ew == w && eh == h {
		return
	}
	p.Width, p.Height = ew, eh
	if hasTarget {
		p.Extract = &Rect{
			X: focusOffset(target.X0, target.X1, w, ew),
			Y: focusOffset(target.Y0, target.Y1, h, eh),
			W: ew, H: eh,
		}
		return
	}
	switch g.Type {
	case GravitySmart, GravityFace, GravityFaces:
		p.Extract, p.SmartCrop = &Rect{W: ew, H: eh}, true
	case GravityFocal:
		p.Extract = &Rect{X: focal(g.X, w, ew), Y: focal(g.Y, h, eh), W: ew, H: eh}
	default:
		p.Extract = &Rect{X: anchorX(g.Type, w, ew), Y: anchorY(g.Type, h, eh), W: ew, H: eh}
	}
}

// scaleDim is n x dpr, rounded, 0 when n is 0 and at least 1 otherwise.
func scaleDim(n int, dpr float64) int {
	if n == 0 {
		return 0
	}
	return max(1, int(math.Round(float64(n)*dpr)))
}

// fit returns the size of a w x h image scaled to fit inside tw x th; a 0
// side of the box is free. Unless up, the image is never enlarged.
func fit(w, h, tw, th int, up bool) (int, int) {
	var rw, rh int
	switch {
	case th == 0 || tw > 0 && int64(w)*int64(th) > int64(h)*int64(tw):
		rw, rh = tw, ratio(h, tw, w) // width-bound
		if th > 0 {
			rh = min(rh, th)
		}
	default:
		rw, rh = ratio(w, th, h), th // height-bound
		if tw > 0 {
			rw = min(rw, tw)
		}
	}
	if !up && (rw > w || rh > h) {
		return w, h
	}
	return rw, rh
}

// cover returns the size of a w x h image scaled to cover tw x th. Unless
// up, the image is never enlarged.
func cover(w, h, tw, th int, up bool) (int, int) {
	var rw, rh int
	if int64(w)*int64(th) >= int64(h)*int64(tw) {
		rw, rh = max(tw, ratio(w, th, h)), th // wider than the box
	} else {
		rw, rh = tw, max(th, ratio(h, tw, w))
	}
	if !up && (rw > w || rh > h) {
		return w, h
	}
	return rw, rh
}

// ratio returns a x b / c rounded, at least 1.
func ratio(a, b, c int) int {
	return max(1, int(math.Round(float64(a)*float64(b)/float64(c))))
}

// focal returns the offset of a cut of size n out of size total, centred
// on the fraction f of total but kept inside.
func focal(f float64, total, n int) int {
	x := int(math.Round(f*float64(total) - float64(n)/2))
	return max(0, min(x, total-n))
}

// anchorX returns the horizontal offset of an inner width in an outer one
// at gravity t: left for the western ones, right for the eastern ones,
// centred otherwise.
func anchorX(t GravityType, outer, inner int) int {
	switch t {
	case GravityWest, GravityNorthWest, GravitySouthWest:
		return 0
	case GravityEast, GravityNorthEast, GravitySouthEast:
		return outer - inner
	}
	return (outer - inner) / 2
}

// anchorY is anchorX for the vertical offset.
func anchorY(t GravityType, outer, inner int) int {
	switch t {
	case GravityNorth, GravityNorthWest, GravityNorthEast:
		return 0
	case GravitySouth, GravitySouthWest, GravitySouthEast:
		return outer - inner
	}
	return (outer - inner) / 2
}
