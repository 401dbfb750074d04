package upload

import (
	"bytes"
	"context"
	"math"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// VideoInfo is what a VideoProber reads of a video file.
type VideoInfo struct {
	// Format is the prober's container name (ffprobe's format_name, such
	// as "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm").
	Format string
	// Width and Height are displayed, rotation applied.
	Width, Height int
	easel.Video
}

// VideoProber reads a video file's container and streams
// (internal/video's ffprobe is the real one). A file it cannot read, or
// one with no video stream, gives CodeUnsupportedMedia.
type VideoProber interface {
	ProbeVideo(ctx context.Context, path string) (VideoInfo, error)
}

// videoProbeTimeout bounds one probe of an upload (ffprobe reads the
// headers in milliseconds; the bound is for hostile files on a loaded
// machine).
const videoProbeTimeout = 2 * time.Minute

// sniffHead is how many leading bytes decide whether an upload is a video.
const sniffHead = 4096

// imageBrands are the ftyp major brands of still images in an ISO media
// file (HEIF, AVIF): anything else with an ftyp box is taken for a video.
var imageBrands = map[string]bool{
	"avif": true, "avis": true, "heic": true, "heix": true, "heim": true, "heis": true,
	"hevc": true, "hevx": true, "hevm": true, "hevs": true, "mif1": true, "msf1": true,
	"crx ": true, "jxl ": true,
}

// SniffVideo returns the container of a video upload from its first bytes:
// "mp4" or "mov" (an ISO base media file: ftyp brand qt for QuickTime,
// any other that is not a still image's for MP4; or a QuickTime file with
// no ftyp that starts with a moov, mdat, wide or free atom), "webm" or
// "mkv" (an EBML header whose DocType is webm or matroska). ok is false
// for anything else, images included.
func SniffVideo(head []byte) (format string, ok bool) {
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		brand := string(head[8:12])
		switch {
		case imageBrands[brand]:
			return "", false
		case brand == "qt  ":
			return "mov", true
		default:
			return "mp4", true
		}
	}
	if len(head) >= 8 {
		switch string(head[4:8]) {
		case "moov", "mdat", "wide", "free":
			return "mov", true
		}
	}
	if bytes.HasPrefix(head, []byte{0x1a, 0x45, 0xdf, 0xa3}) {
		switch ebmlDocType(head) {
		case "webm":
			return "webm", true
		case "matroska":
			return "mkv", true
		}
	}
	return "", false
}

// ebmlDocType reads the DocType element (ID 0x4282) of an EBML header.
func ebmlDocType(head []byte) string {
	hdr := head[4:]
	size, n := ebmlVint(hdr)
	if n == 0 {
		return ""
	}
	hdr = hdr[n:]
	if uint64(len(hdr)) > size {
		hdr = hdr[:size]
	}
	for len(hdr) >= 2 {
		id := int(hdr[0])<<8 | int(hdr[1])
		if hdr[0]&0x80 != 0 { // one-byte ID (Void 0xEC, CRC-32 0xBF)
			id, hdr = int(hdr[0]), hdr[1:]
		} else {
			hdr = hdr[2:]
		}
		size, n := ebmlVint(hdr)
		if n == 0 || uint64(len(hdr)-n) < size {
			return ""
		}
		value := hdr[n : n+int(size)]
		if id == 0x4282 {
			return string(value)
		}
		hdr = hdr[n+int(size):]
	}
	return ""
}

// ebmlVint reads an EBML variable-size integer (its marker bit removed)
// and its length in bytes; n is 0 when b does not hold one.
func ebmlVint(b []byte) (v uint64, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	for n = 1; b[0]&(0x80>>(n-1)) == 0; n++ {
	}
	if len(b) < n {
		return 0, 0
	}
	v = uint64(b[0] & (0xff >> n))
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// containerFamily is the word ffprobe's format_name must hold for each
// sniffed container.
var containerFamily = map[string]string{"mp4": "mp4", "mov": "mov", "webm": "webm", "mkv": "matroska"}

// keepVideo checks a spooled video (ffprobe, then the limits on bytes,
// duration and pixels), stores it and records the asset. Nothing is
// stored when a check fails.
func (s *Uploads) keepVideo(ctx context.Context, tenantID string, req Request, sp *spooled, format string) (_ easel.Asset, replay bool, err error) {
	if s.cfg.Video == nil {
		return easel.Asset{}, false, easel.Errorf(easel.CodeUnsupportedMedia, "this server does not accept videos (no ffprobe)")
	}
	if sp.size > s.cfg.MaxVideoBytes {
		return easel.Asset{}, false, easel.Errorf(easel.CodeTooLarge, "video is %d bytes; the limit is %d", sp.size, s.cfg.MaxVideoBytes)
	}
	pctx, cancel := context.WithTimeout(ctx, videoProbeTimeout)
	info, err := s.cfg.Video.ProbeVideo(pctx, sp.f.Name())
	cancel()
	if err != nil {
		if easel.ErrorCode(err) == easel.CodeInternal && pctx.Err() != nil {
			return easel.Asset{}, false, easel.WrapError(easel.CodeUnsupportedMedia, err, "the video could not be probed within %s", videoProbeTimeout)
		}
		return easel.Asset{}, false, err
	}
	if fam := containerFamily[format]; !strings.Contains(","+info.Format+",", ","+fam+",") {
		return easel.Asset{}, false, easel.Errorf(easel.CodeUnsupportedMedia, "the bytes start like %s but ffprobe reads %q", format, info.Format)
	}
	if limit := s.cfg.MaxVideoDuration.Seconds(); info.Duration > limit || math.IsNaN(info.Duration) {
		return easel.Asset{}, false, easel.Errorf(easel.CodeTooLarge, "video lasts %.4gs; the limit is %gs", info.Duration, limit)
	}
	if info.Duration <= 0 {
		return easel.Asset{}, false, easel.Errorf(easel.CodeUnsupportedMedia, "the video has no duration")
	}
	if px := info.Width * info.Height; px > s.cfg.MaxPixels {
		return easel.Asset{}, false, easel.Errorf(easel.CodeTooLarge, "video frames have %d pixels (%dx%d); the limit is %d", px, info.Width, info.Height, s.cfg.MaxPixels)
	}
	v := info.Video
	if v.Frames <= 0 && v.FrameRate > 0 {
		v.Frames = int64(math.Round(v.Duration * v.FrameRate))
	}
	if err := s.storeOriginal(ctx, sp.sum, sp.reader()); err != nil {
		return easel.Asset{}, false, err
	}
	a := easel.Asset{
		ID: easel.NewID(), TenantID: tenantID, SHA256: sp.sum, Kind: easel.KindVideo, Format: format,
		Width: info.Width, Height: info.Height, Pages: 1, Bytes: sp.size, Name: sanitizeName(req.Name),
		CreatedAt: time.Now().UTC(), Video: &v,
	}
	return s.record(ctx, req, a)
}
