package vision

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// TruthFile is the truth set in the shared test corpus, relative to the
// corpus folder; its file paths are relative to the corpus folder too.
const TruthFile = "faces/TRUTH.tsv"

// Truth is one image of the truth set.
type Truth struct {
	File  string     // relative to the corpus folder
	Faces int        // how many faces it shows
	Box   *easel.Box // the face's approximate box, when the notes give one
	Notes string
}

// Result is a detector's outcome on one image of the truth set.
type Result struct {
	Truth
	Found   []easel.Face
	Matched int // truth faces found: by box (IoU ≥ 0.3 or centre inside) when known, else by count
	Elapsed time.Duration
}

// FalsePositives returns how many detections match no truth face.
func (r Result) FalsePositives() int { return len(r.Found) - r.Matched }

var truthBox = regexp.MustCompile(`x(\d+)-(\d+) y(\d+)-(\d+)`)

// ReadTruth reads corpusDir/faces/TRUTH.tsv: file, faces, notes (with
// "x180-290 y60-200" when the box is known), after a header line.
func ReadTruth(corpusDir string) ([]Truth, error) {
	f, err := os.Open(filepath.Join(corpusDir, TruthFile))
	if err != nil {
		return nil, fmt.Errorf("vision: truth: %w", err)
	}
	defer f.Close()
	var out []Truth
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 0 || len(cols) < 2 || strings.TrimSpace(cols[0]) == "" {
			continue
		}
		n, err := strconv.Atoi(cols[1])
		if err != nil {
			return nil, fmt.Errorf("vision: truth line %d: faces %q: %w", line+1, cols[1], err)
		}
		t := Truth{File: cols[0], Faces: n}
		if len(cols) > 2 {
			t.Notes = cols[2]
			if m := truthBox.FindStringSubmatch(t.Notes); m != nil {
				v := make([]float64, 4)
				for i := range v {
					v[i], _ = strconv.ParseFloat(m[i+1], 64)
				}
				t.Box = &easel.Box{X: v[0], Y: v[2], W: v[1] - v[0], H: v[3] - v[2]}
			}
		}
		out = append(out, t)
	}
	return out, sc.Err()
}

// Evaluate runs d on every image of the truth set of the corpus folder
// (faces/TRUTH.tsv) and returns its recall (truth faces found / truth
// faces), precision (detections matching a truth face / detections) and
// the result per image. Elapsed is Detect alone, decoding excluded.
func Evaluate(ctx context.Context, d Detector, corpusDir string) (recall, precision float64, perImage []Result, err error) {
	truths, err := ReadTruth(corpusDir)
	if err != nil {
		return 0, 0, nil, err
	}
	var want, found, matched int
	for _, t := range truths {
		img, err := LoadRGB(filepath.Join(corpusDir, t.File))
		if err != nil {
			return 0, 0, nil, err
		}
		start := time.Now()
		faces, err := d.Detect(ctx, img)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("vision: %s on %s: %w", d.Name(), t.File, err)
		}
		r := Result{Truth: t, Found: faces, Elapsed: time.Since(start), Matched: min(len(faces), t.Faces)}
		if t.Box != nil {
			r.Matched = 0
			for _, f := range faces {
				if Overlaps(f.Box, *t.Box) {
					r.Matched = min(1, t.Faces)
					break
				}
			}
		}
		want += t.Faces
		found += len(faces)
		matched += r.Matched
		perImage = append(perImage, r)
	}
	return ratio(matched, want), ratio(matched, found), perImage, nil
}

// Overlaps reports whether a detected box matches a truth box: IoU ≥ 0.3
// or the detection's centre inside the truth box.
func Overlaps(found, truth easel.Box) bool {
	cx, cy := found.X+found.W/2, found.Y+found.H/2
	return iou(found, truth) >= 0.3 ||
		(cx >= truth.X && cx <= truth.X+truth.W && cy >= truth.Y && cy <= truth.Y+truth.H)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// WriteReport prints Evaluate's outcome as a table, for make bench-vision.
func WriteReport(w io.Writer, name string, recall, precision float64, perImage []Result) error {
	var total, worst time.Duration
	for _, r := range perImage {
		total += r.Elapsed
		worst = max(worst, r.Elapsed)
	}
	mean := time.Duration(0)
	if len(perImage) > 0 {
		mean = total / time.Duration(len(perImage))
	}
	if _, err := fmt.Fprintf(w, "%s: recall %.2f, precision %.2f, %v / image (max %v)\n", name, recall, precision,
		mean.Round(100*time.Microsecond), worst.Round(100*time.Microsecond)); err != nil {
		return err
	}
	for _, r := range perImage {
		conf := math.NaN()
		if len(r.Found) > 0 {
			conf = r.Found[0].Confidence
		}
		if _, err := fmt.Fprintf(w, "  %-50s want %d found %d matched %d  conf %.2f  %8v\n", r.File, r.Faces,
			len(r.Found), r.Matched, conf, r.Elapsed.Round(100*time.Microsecond)); err != nil {
			return err
		}
	}
	return nil
}
