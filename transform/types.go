package transform

// This file is the contract between the grammar (Parse, Options.String),
// the planner (NewPlan) and the engine (internal/engine/vips), which executes
// a Plan. Fields may be added; never rename or remove one without updating
// the engine.

// Format is an image format name as it appears in f_ and in file extensions.
type Format string

// Formats. Input-only formats are listed too, for Source.Format.
const (
	FormatNone Format = ""
	FormatJPEG Format = "jpeg"
	FormatPNG  Format = "png"
	FormatWebP Format = "webp"
	FormatAVIF Format = "avif"
	FormatGIF  Format = "gif"
	FormatJXL  Format = "jxl"
	FormatAuto Format = "auto" // only in Options: negotiated from Accept, never in a Plan

	FormatHEIF Format = "heif" // input only
	FormatTIFF Format = "tiff" // input only
	FormatBMP  Format = "bmp"  // input only
	FormatSVG  Format = "svg"  // input only, always rasterised
	FormatPDF  Format = "pdf"  // input only, first page unless pg_
)

// CropMode is the c_ value: how the image is fitted to w_ x h_.
type CropMode string

// Crop modes.
const (
	CropFit   CropMode = "fit"   // inside the box, aspect kept (default)
	CropFill  CropMode = "fill"  // cover the box, then crop the overflow at gravity
	CropCrop  CropMode = "crop"  // extract a box at gravity, no scaling
	CropPad   CropMode = "pad"   // inside the box, then pad to it with bg_
	CropScale CropMode = "scale" // exactly the box, aspect not kept
	CropLimit CropMode = "limit" // like fit, but never enlarges
)

// GravityType is where a crop or an overlay is anchored.
type GravityType string

// Gravities.
const (
	GravityCenter    GravityType = "center"
	GravityNorth     GravityType = "north"
	GravityNorthEast GravityType = "north_east"
	GravityEast      GravityType = "east"
	GravitySouthEast GravityType = "south_east"
	GravitySouth     GravityType = "south"
	GravitySouthWest GravityType = "south_west"
	GravityWest      GravityType = "west"
	GravityNorthWest GravityType = "north_west"
	GravitySmart     GravityType = "smart" // libvips attention; only for crops
	GravityFocal     GravityType = "fp"    // focal point X, Y in [0,1]; only for crops
	GravityFace      GravityType = "face"  // the largest face; smart when there is none; only for crops
	GravityFaces     GravityType = "faces" // all faces; smart when there are none; only for crops
)

// Gravity is a gravity with, for GravityFocal, the focal point as fractions
// of the width and height (0 = left/top, 1 = right/bottom).
type Gravity struct {
	Type GravityType
	X, Y float64
}

// Color is an sRGB colour with alpha (A: 255 opaque).
type Color struct {
	R, G, B, A uint8
}

// Rect is a rectangle in pixels.
type Rect struct {
	X, Y, W, H int
}

// Effects are the e_ items. Zero values mean "off".
type Effects struct {
	Grayscale   bool
	BW          bool    // black and white by threshold
	BWThreshold int     // 0..255, default 128 when BW
	Blur        float64 // gaussian sigma, 0 = off
	Sharpen     float64 // sigma, 0 = off
	Brightness  int     // -100..100
	Contrast    int     // -100..100
	Saturation  int     // -100..100
	Hue         int     // degrees, -360..360
	Tint        *Color
	Sepia       bool
	Invert      bool
	Pixelate    int // block size in pixels, 0 = off

	// Face effects: they need faces (PlanConfig.Faces) and act only inside
	// face regions; with no face the image is left as it is.
	RedEye        bool    // e_redeye
	Whiten        int     // e_whiten[:strength], teeth whitening 1..100 (default 50), 0 = off
	BlurFaces     float64 // e_blur_faces[:sigma], default 15, 0 = off
	PixelateFaces int     // e_pixelate_faces[:n], block size, default 12, 0 = off
}

// NeedsFaces reports whether any effect acts on faces.
func (e Effects) NeedsFaces() bool {
	return e.RedEye || e.Whiten > 0 || e.BlurFaces > 0 || e.PixelateFaces > 0
}

// PointF is a position in pixels.
type PointF struct {
	X, Y float64
}

// FaceRegion is a face in the pixels of a Plan's output: its box and the
// keypoints face effects start from.
type FaceRegion struct {
	Box      Rect
	RightEye PointF
	LeftEye  PointF
	Mouth    PointF
}

// Overlay is an image watermark (l_): another asset of the same tenant.
type Overlay struct {
	AssetID  string
	Gravity  Gravity // lg_, default south_east
	Opacity  int     // lo_, 0..100, default 100
	WidthPct int     // lw_, width as a percentage of the base, 0 = natural size
}

// Text is a text watermark (txt_).
type Text struct {
	Text    string
	Color   Color   // tc_, default white
	Size    int     // ts_, pixels of height, default 32
	Gravity Gravity // shares lg_ with Overlay when both are set; default south_east
}

// Options are the parsed operations of one URL path segment or task. The
// zero value means "the image as it is, re-encoded" (not the original bytes:
// that is Original).
type Options struct {
	Original bool   // "-": the stored bytes, untouched
	Preset   string // t_<name>, expanded by Expand

	Page     int  // pg_<n>, 0-based
	AllPages bool // pg_all

	// Offset is so_<seconds>: the time of a video's poster frame. HasOffset
	// tells so_0 from no so_ (a default frame); images refuse it.
	Offset    float64
	HasOffset bool

	CropBox *Rect // cr_x:y:w:h, in displayed pixels, before everything else
	Rotate  int   // a_90|180|270, clockwise
	FlipH   bool  // fl_h
	FlipV   bool  // fl_v

	Width      int     // w_, 0 = from the aspect ratio
	Height     int     // h_
	DPR        float64 // dpr_, 0 = 1
	Crop       CropMode
	Gravity    Gravity // g_
	Upscale    bool    // up_1
	Background *Color  // bg_

	Effects Effects

	Overlay *Overlay
	Text    *Text

	Quality int    // q_, 0 = the format's default
	Format  Format // f_, FormatNone = keep the source's when it can be written
}

// Source describes a stored image as its header tells, before any decoding.
type Source struct {
	Format      Format
	Width       int // as stored, before orientation
	Height      int
	Orientation int // EXIF orientation 1..8 (0 = 1)
	Pages       int // frames or pages, >= 1
	HasAlpha    bool
	// EXIF holds a few readable EXIF fields (Make, Model, DateTimeOriginal,
	// ...) for the asset's metadata; nil when there are none.
	EXIF map[string]string
}

// DisplayedSize is the size after EXIF orientation.
func (s Source) DisplayedSize() (w, h int) {
	if s.Orientation >= 5 && s.Orientation <= 8 {
		return s.Height, s.Width
	}
	return s.Width, s.Height
}

// Plan is what the engine executes, in this order:
//
//  1. load Page (Pages pages when an animation is kept), shrinking on load
//     as far as the final size allows;
//  2. apply EXIF orientation (always);
//  3. extract CropBox (displayed pixels) when set;
//  4. rotate by Rotate, then flip (FlipH, FlipV);
//  5. resize to exactly ResizeWidth x ResizeHeight (0 = keep);
//  6. when Extract is set, cut it out of the resized image; when SmartCrop
//     is set, cut ExtractW x ExtractH with libvips attention instead;
//  7. when Embed is set, place the image at (EmbedX, EmbedY) on an
//     EmbedWidth x EmbedHeight canvas of Background;
//  8. effects, in the order of the Effects fields;
//  9. overlay, then text;
//  10. flatten onto Background when the output cannot hold alpha;
//  11. strip metadata, convert to sRGB, encode as Format at Quality.
//
// All sizes are in pixels of the image after the steps before them.
type Plan struct {
	Original bool // serve the stored bytes; nothing else in the Plan applies

	Page  int
	Pages int // 1, or -1 for all pages (animation kept)

	CropBox *Rect
	Rotate  int
	FlipH   bool
	FlipV   bool

	ResizeWidth  int
	ResizeHeight int

	Extract   *Rect
	SmartCrop bool // Extract holds the size only; position by attention

	Embed      *Rect // X, Y: position of the image; W, H: canvas size
	Background Color // for Embed and for flattening; default white, opaque

	Effects Effects

	Overlay *Overlay
	Text    *Text

	// Faces are the source's faces mapped to output pixels (after every
	// geometric step), set when an effect needs them; faces wholly cut away
	// are left out. Face effects run after the other effects (step 8).
	Faces []FaceRegion

	Format  Format // never FormatAuto or FormatNone
	Quality int    // resolved, 1..100

	Width  int // the output size the plan produces (one frame)
	Height int
}

// Output is a rendered image.
type Output struct {
	Data   []byte
	Format Format
	Width  int
	Height int
	Pages  int // frames in Data, 1 unless an animation was kept
	// Faces is how many faces the face operations (g_face, g_faces, face
	// effects) had to work with; -1 when the operations use no faces.
	Faces int
	// Level is the long side of the pyramid level the output was rendered
	// from; 0 when it was rendered from the original.
	Level int
}

// ContentType is the MIME type of an output format.
func (f Format) ContentType() string {
	switch f {
	case FormatJPEG:
		return "image/jpeg"
	case FormatPNG:
		return "image/png"
	case FormatWebP:
		return "image/webp"
	case FormatAVIF:
		return "image/avif"
	case FormatGIF:
		return "image/gif"
	case FormatJXL:
		return "image/jxl"
	case FormatHEIF:
		return "image/heif"
	case FormatTIFF:
		return "image/tiff"
	case FormatBMP:
		return "image/bmp"
	case FormatSVG:
		return "image/svg+xml"
	case FormatPDF:
		return "application/pdf"
	}
	return "application/octet-stream"
}
