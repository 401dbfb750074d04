package vision

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/easelhq/easel"
)

// PhotoSetFile lists the evaluation photos the detector was not tuned on,
// relative to this package; scripts/vision-deps.sh --photos fetches them.
const PhotoSetFile = "testdata/photos.tsv"

// Halves of the photo set: thresholds are tuned on HalfTune only, and
// recall and precision are reported on HalfReport.
const (
	HalfTune   = "tune"
	HalfReport = "report"
)

// Photo is one view of one photo of the set, with its truth.
type Photo struct {
	File    string      // file name in the photos folder
	Licence string      // of the photo, as its package states it
	View    string      // "full", "wN" (scaled to N px wide), "crop=x,y,w,h" or "mosaic" (2×2 copies: a crowd)
	Faces   []easel.Box // in the original's pixels
	Ignore  []easel.Box // faces neither to find nor to count as false (profiles)
	Notes   string
}

// Name is the file and the view, for reports.
func (p Photo) Name() string { return p.File + "[" + p.View + "]" }

// Half is HalfTune or HalfReport, from a hash of the file name: every view
// of a photo falls in the same half.
func (p Photo) Half() string {
	h := fnv.New32a()
	h.Write([]byte(p.File))
	if h.Sum32()%2 == 0 {
		return HalfTune
	}
	return HalfReport
}

// ReadPhotoSet reads a photos.tsv (file, source, sha256, licence, view,
// faces, ignore, notes after a header line; # comments).
func ReadPhotoSet(path string) ([]Photo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vision: photo set: %w", err)
	}
	defer f.Close()
	var out []Photo
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "file\t") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 8 {
			return nil, fmt.Errorf("vision: photo set line %d: %d columns, want 8", line, len(cols))
		}
		p := Photo{File: cols[0], Licence: cols[3], View: cols[4], Notes: cols[7]}
		if p.Faces, err = parseBoxes(cols[5]); err != nil {
			return nil, fmt.Errorf("vision: photo set line %d: faces: %w", line, err)
		}
		if p.Ignore, err = parseBoxes(cols[6]); err != nil {
			return nil, fmt.Errorf("vision: photo set line %d: ignore: %w", line, err)
		}
		out = append(out, p)
	}
	return out, sc.Err()
}

// parseBoxes reads "x0,y0,x1,y1;…".
func parseBoxes(s string) ([]easel.Box, error) {
	var out []easel.Box
	for _, b := range strings.Split(s, ";") {
		if b = strings.TrimSpace(b); b == "" {
			continue
		}
		v, err := parseInts(b, 4)
		if err != nil {
			return nil, err
		}
		out = append(out, easel.Box{X: float64(v[0]), Y: float64(v[1]), W: float64(v[2] - v[0]), H: float64(v[3] - v[1])})
	}
	return out, nil
}

func parseInts(s string, n int) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("%q: want %d numbers", s, n)
	}
	v := make([]int, n)
	for i, p := range parts {
		x, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		v[i] = x
	}
	return v, nil
}

// Load decodes the photo from dir, applies the view and scales the result
// to the server's analysis raster; the truth boxes are mapped to its pixels.
func (p Photo) Load(dir string) (img RGB, faces, ignore []easel.Box, err error) {
	img, err = LoadRGB(filepath.Join(dir, p.File))
	if err != nil {
		return RGB{}, nil, nil, err
	}
	img, truth, ignore, err := p.apply(img)
	if err != nil {
		return RGB{}, nil, nil, err
	}
	// The server detects on a raster of at most AnalysisSide (512) px.
	if long := max(img.W, img.H); long > analysisSide {
		s := float64(analysisSide) / float64(long)
		small := resize(img, max(1, int(float64(img.W)*s+0.5)), max(1, int(float64(img.H)*s+0.5)))
		sx, sy := float64(small.W)/float64(img.W), float64(small.H)/float64(img.H)
		scale := func(in []easel.Box) []easel.Box {
			out := make([]easel.Box, len(in))
			for i, b := range in {
				out[i] = easel.Box{X: b.X * sx, Y: b.Y * sy, W: b.W * sx, H: b.H * sy}
			}
			return out
		}
		img, truth, ignore = small, scale(truth), scale(ignore)
	}
	return img, truth, ignore, nil
}

// analysisSide is processing.AnalysisSide, the long side of the raster the
// server detects faces on (vision cannot import processing).
const analysisSide = 512

// apply applies the view to the decoded photo and maps the truth boxes.
func (p Photo) apply(img RGB) (RGB, []easel.Box, []easel.Box, error) {
	dx, dy, s := 0.0, 0.0, 1.0
	switch {
	case p.View == "full":
	case strings.HasPrefix(p.View, "w"):
		w, err := strconv.Atoi(p.View[1:])
		if err != nil || w <= 0 {
			return RGB{}, nil, nil, fmt.Errorf("vision: %s: bad view %q", p.File, p.View)
		}
		s = float64(w) / float64(img.W)
		img = resize(img, w, max(1, int(float64(img.H)*s+0.5)))
	case p.View == "mosaic":
		return mosaic(img, p.Faces), mosaicBoxes(img, p.Faces), mosaicBoxes(img, p.Ignore), nil
	case strings.HasPrefix(p.View, "crop="):
		v, err := parseInts(strings.TrimPrefix(p.View, "crop="), 4)
		if err != nil || v[0] < 0 || v[1] < 0 || v[2] <= 0 || v[3] <= 0 || v[0]+v[2] > img.W || v[1]+v[3] > img.H {
			return RGB{}, nil, nil, fmt.Errorf("vision: %s: bad view %q", p.File, p.View)
		}
		img = crop(img, v[0], v[1], v[2], v[3])
		dx, dy = float64(v[0]), float64(v[1])
	default:
		return RGB{}, nil, nil, fmt.Errorf("vision: %s: bad view %q", p.File, p.View)
	}
	mapBoxes := func(in []easel.Box) []easel.Box {
		var out []easel.Box
		for _, b := range in {
			m := clipBox(easel.Box{X: (b.X - dx) * s, Y: (b.Y - dy) * s, W: b.W * s, H: b.H * s}, img.W, img.H)
			if m.W*m.H >= 0.5*b.W*b.H*s*s { // a face the crop cuts in half is not asked for
				out = append(out, m)
			}
		}
		return out
	}
	return img, mapBoxes(p.Faces), mapBoxes(p.Ignore), nil
}

// mosaic is img twice across and twice down: a crowd of small faces.
func mosaic(img RGB, _ []easel.Box) RGB {
	out := RGB{Pix: make([]byte, 4*len(img.Pix)), W: 2 * img.W, H: 2 * img.H}
	for y := range out.H {
		for x := range 2 {
			copy(out.Pix[(y*out.W+x*img.W)*3:], img.Pix[(y%img.H)*img.W*3:(y%img.H+1)*img.W*3])
		}
	}
	return out
}

// mosaicBoxes repeats the boxes in the four copies of mosaic.
func mosaicBoxes(img RGB, in []easel.Box) []easel.Box {
	var out []easel.Box
	for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		for _, b := range in {
			out = append(out, easel.Box{X: b.X + float64(d[0]*img.W), Y: b.Y + float64(d[1]*img.H), W: b.W, H: b.H})
		}
	}
	return out
}

// crop returns the w×h part of img at (x, y).
func crop(img RGB, x, y, w, h int) RGB {
	out := RGB{Pix: make([]byte, w*h*3), W: w, H: h}
	for r := range h {
		copy(out.Pix[r*w*3:(r+1)*w*3], img.Pix[((y+r)*img.W+x)*3:])
	}
	return out
}

// PhotoResult is a detector's outcome on one photo of the set.
type PhotoResult struct {
	Photo
	Want, Found, Matched, False int
	// Elapsed is Detect's wall time; CPU its CPU time (user + system, all
	// threads, from getrusage), which other processes on the machine
	// disturb less; each the least of TimingRuns runs.
	Elapsed, CPU time.Duration
	// Inferences is the number of model runs of one Detect (BlazeFace; 0
	// for pigo).
	Inferences int
	Faces      []easel.Face
}

// Score adds up results.
type Score struct {
	Images, Want, Matched, False int
}

// Add counts r.
func (s *Score) Add(r PhotoResult) {
	s.Images++
	s.Want += r.Want
	s.Matched += r.Matched
	s.False += r.False
}

// Recall is truth faces found / truth faces.
func (s Score) Recall() float64 { return ratio(s.Matched, s.Want) }

// Precision is detections on a truth face / detections (those on an ignored
// face not counted).
func (s Score) Precision() float64 { return ratio(s.Matched, s.Matched+s.False) }

// EvaluatePhoto runs d on one photo of the set in dir: each truth face is
// matched to at most one detection (Overlaps), a detection on an ignored
// face is neither right nor wrong, any other is false.
func EvaluatePhoto(ctx context.Context, d Detector, dir string, p Photo) (PhotoResult, error) {
	img, truth, ignore, err := p.Load(dir)
	if err != nil {
		return PhotoResult{}, err
	}
	var faces []easel.Face
	r := PhotoResult{Photo: p, Want: len(truth), Elapsed: math.MaxInt64, CPU: math.MaxInt64}
	counter, _ := d.(interface{ inferences() int64 })
	for range TimingRuns {
		var runs0 int64
		if counter != nil {
			runs0 = counter.inferences()
		}
		cpu0, start := cpuTime(), time.Now()
		if faces, err = d.Detect(ctx, img); err != nil {
			return PhotoResult{}, fmt.Errorf("vision: %s on %s: %w", d.Name(), p.Name(), err)
		}
		r.Elapsed, r.CPU = min(r.Elapsed, time.Since(start)), min(r.CPU, cpuTime()-cpu0)
		if counter != nil { // exact when no other Detect runs on d meanwhile
			r.Inferences = int(counter.inferences() - runs0)
		}
	}
	r.Found, r.Faces = len(faces), faces
	used := make([]bool, len(truth))
	for _, f := range faces {
		hit := false
		for i, t := range truth {
			if !used[i] && Overlaps(f.Box, t) {
				used[i], hit = true, true
				r.Matched++
				break
			}
		}
		if hit {
			continue
		}
		ignored := false
		for _, t := range ignore { // a second detection of a found face is false

			ignored = ignored || Overlaps(f.Box, t)
		}
		if !ignored {
			r.False++
		}
	}
	return r, nil
}

// TimingRuns is how many times EvaluatePhoto runs Detect on a photo; it
// reports the least time (the first run also pays for cold caches, and other
// processes only ever add time).
const TimingRuns = 5

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// EvaluatePhotoSet runs d on every photo of the set (read from tsv, files in
// dir) and returns the score of each half and each photo's result.
func EvaluatePhotoSet(ctx context.Context, d Detector, tsv, dir string) (map[string]Score, []PhotoResult, error) {
	photos, err := ReadPhotoSet(tsv)
	if err != nil {
		return nil, nil, err
	}
	scores := map[string]Score{}
	var results []PhotoResult
	for _, p := range photos {
		r, err := EvaluatePhoto(ctx, d, dir, p)
		if err != nil {
			return nil, nil, err
		}
		s := scores[p.Half()]
		s.Add(r)
		scores[p.Half()] = s
		results = append(results, r)
	}
	return scores, results, nil
}

// WritePhotoReport prints EvaluatePhotoSet's outcome: per half, per source
// (the file name's prefix) and per photo, with Detect's wall and CPU time.
func WritePhotoReport(w io.Writer, name string, scores map[string]Score, results []PhotoResult) error {
	var wall, cpu []time.Duration
	bySource := map[string]*Score{}
	var sources []string
	for _, r := range results {
		wall, cpu = append(wall, r.Elapsed), append(cpu, r.CPU)
		src := r.Half() + " " + strings.SplitN(r.File, "_", 2)[0]
		if bySource[src] == nil {
			bySource[src] = &Score{}
			sources = append(sources, src)
		}
		bySource[src].Add(r)
	}
	slices.Sort(wall)
	slices.Sort(cpu)
	slices.Sort(sources)
	var b strings.Builder
	fmt.Fprintf(&b, "%s on testdata/photos.tsv (detection on the ≤%d px raster):\n", name, analysisSide)
	for _, h := range []string{HalfTune, HalfReport} {
		s := scores[h]
		fmt.Fprintf(&b, "  %-6s half: %2d images, recall %.3f (%d/%d), precision %.3f (%d false)\n", h, s.Images, s.Recall(), s.Matched, s.Want, s.Precision(), s.False)
	}
	for _, src := range sources {
		s := bySource[src]
		fmt.Fprintf(&b, "    %-16s %2d images, recall %.3f (%d/%d), %d false\n", src, s.Images, s.Recall(), s.Matched, s.Want, s.False)
	}
	if n := len(wall); n > 0 {
		fmt.Fprintf(&b, "  time per photo (best of %d runs): wall p50 %v max %v; CPU p50 %v max %v\n", TimingRuns, wall[n/2].Round(100*time.Microsecond), wall[n-1].Round(100*time.Microsecond),
			cpu[n/2].Round(100*time.Microsecond), cpu[n-1].Round(100*time.Microsecond))
	}
	for _, r := range results {
		fmt.Fprintf(&b, "  %-6s %-44s want %2d found %2d matched %2d false %d  inferences %d  wall %8v cpu %8v\n", r.Half(), r.Name(), r.Want, r.Found, r.Matched, r.False,
			r.Inferences, r.Elapsed.Round(100*time.Microsecond), r.CPU.Round(100*time.Microsecond))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
