package vips

// step is one stage of a render. It works on r.img and returns at once
// when the plan gives it nothing to do.
type step func(r *renderer) error

// frameSteps run, in this order, on one decoded frame (on every frame of a
// kept animation): the geometry of transform.Plan in its order, 8-bit sRGB,
// then the pixel work.
var frameSteps = []step{
	orient,     // EXIF orientation
	cropBox,    // Plan.CropBox, in displayed pixels
	rotateFlip, // Plan.Rotate, FlipH, FlipV
	resize,     // to ResizeWidth x ResizeHeight
	colour,     // 8-bit sRGB, profile dropped
	extract,    // Plan.Extract, or the smart crop
	embed,      // Plan.Embed on Background
	effects,    // Plan.Effects but the face ones
	faces,      // face effects on Plan.Faces
	watermark,  // overlay, then text
}

// steps is the render of one frame: one load step (shrink-on-load
// thumbnail, smart-crop thumbnail or full decode), the frame steps, then
// flatten, strip and encode.
var steps = concat([]step{load}, frameSteps, []step{finish})

// animationSteps keep every frame: load them all, run the frame steps on
// each (see loadAnimation), then encode the stack.
var animationSteps = []step{loadAnimation, finish}

// rasterSteps decode a frame as displayed, scaled and in sRGB, for Raster.
var rasterSteps = []step{load, orient, resize, colour}

func concat(lists ...[]step) []step {
	var out []step
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// run runs list in order, checking the deadline before each step.
func (r *renderer) run(list []step) error {
	for _, s := range list {
		if err := ctxErr(r.ctx); err != nil {
			return err
		}
		if err := s(r); err != nil {
			return err
		}
	}
	return nil
}
