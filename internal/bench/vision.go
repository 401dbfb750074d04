package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/engine/vips"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/vision"
	"github.com/easelhq/easel/internal/vision/fingerprint"
	"github.com/easelhq/easel/internal/vision/retouch"
	"github.com/easelhq/easel/transform"
)

// runVision measures face detection accuracy and speed, red-eye removal,
// teeth whitening, perceptual hashes and the near-duplicate query.
func runVision(ctx context.Context, out *strings.Builder) error {
	cfg := vision.NewDefaultConfig()
	blaze, err := vision.NewBlazeFace(cfg)
	if err != nil {
		return fmt.Errorf("BlazeFace (run make vision-deps): %w", err)
	}
	pigo, err := vision.NewPigo()
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "### Faces on faces/TRUTH.tsv\n\n```\n")
	for _, d := range []vision.Detector{blaze, pigo} {
		recall, precision, results, err := vision.Evaluate(ctx, d, *testdata)
		if err != nil {
			return err
		}
		var b strings.Builder
		if err := vision.WriteReport(&b, d.Name(), recall, precision, results); err != nil {
			return err
		}
		out.WriteString(b.String())
		out.WriteString("\n")
	}
	out.WriteString("```\n")

	// Photos the detector was not tuned on (make vision-photos): recall and
	// precision per half (tune / report) and per source.
	fmt.Fprintf(out, "\n### Faces on internal/vision/testdata/photos.tsv (not tuned on: report half)\n\n```\n")
	scores, results, err := vision.EvaluatePhotoSet(ctx, blaze, filepath.Join("internal/vision", vision.PhotoSetFile), filepath.Join(cfg.Dir, "photos"))
	if err != nil {
		return fmt.Errorf("photo set (run make vision-photos): %w", err)
	}
	var ps strings.Builder
	if err := vision.WritePhotoReport(&ps, blaze.Name(), scores, results); err != nil {
		return err
	}
	out.WriteString(ps.String())
	out.WriteString("```\n")

	// Speed on a 13 MP JPEG, decode included: shrink-on-load to the analysis
	// raster, then detect; hashes on the same raster. The corpus photo is
	// progressive; a baseline re-encode of it (made here with libvips) shows
	// what the JPEG coding costs.
	engine, err := vips.New(vips.NewDefaultConfig())
	if err != nil {
		return err
	}
	progressive, err := os.ReadFile(filepath.Join(*testdata, photos[1]))
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "easel-bench-vision")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	baselinePath := filepath.Join(tmp, "baseline.jpg")
	if out, err := exec.Command("vips", "copy", filepath.Join(*testdata, photos[1]), baselinePath+"[Q=90]").CombinedOutput(); err != nil {
		return fmt.Errorf("vips copy: %v: %s", err, out)
	}
	baseline, err := os.ReadFile(baselinePath)
	if err != nil {
		return err
	}
	reps := 20
	if *quick {
		reps = 5
	}
	fmt.Fprintf(out, "\n### Speed on the 13.4 MP JPEG (%s), median of %d, raster %d px\n\n", filepath.Base(photos[1]), reps, render.AnalysisSide)
	fmt.Fprintf(out, "| JPEG | decode with shrink-on-load | vipsthumbnail to the same size (floor) | BlazeFace | faces, decode included (goal ≤ 25) | pHash + dHash (goal ≤ 10) |\n|---|---|---|---|---|---|\n")
	for _, in := range []struct {
		name string
		path string
		data []byte
	}{{"progressive (as in the corpus)", filepath.Join(*testdata, photos[1]), progressive}, {"baseline (re-encoded)", baselinePath, baseline}} {
		floor, err := vipsthumbnailPerImage(in.path, workload{size: strconv.Itoa(render.AnalysisSide), output: "%s.v", reps: reps})
		if err != nil {
			return err
		}
		var decode, detect, hashes []time.Duration
		for i := 0; i < reps+1; i++ {
			t0 := time.Now()
			pix, w, h, err := engine.Raster(ctx, in.data, render.AnalysisSide)
			if err != nil {
				return err
			}
			t1 := time.Now()
			if _, err := blaze.Detect(ctx, vision.RGB{Pix: pix, W: w, H: h}); err != nil {
				return err
			}
			t2 := time.Now()
			img := fingerprint.RGB{Pix: pix, W: w, H: h}
			fingerprint.PHash(img)
			fingerprint.DHash(img)
			t3 := time.Now()
			if i > 0 { // the first run warms up
				decode, detect, hashes = append(decode, t1.Sub(t0)), append(detect, t2.Sub(t1)), append(hashes, t3.Sub(t2))
			}
		}
		fmt.Fprintf(out, "| %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2f ms |\n", in.name, ms(median(decode)), ms(floor), ms(median(detect)),
			ms(median(decode)+median(detect)), ms(median(hashes)))
	}

	if err := retouchFigures(ctx, blaze, out); err != nil {
		return err
	}

	table, err := fingerprint.DistanceTable(filepath.Join(*testdata, "phash"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n### pHash distances over phash/ (group A: goimagehash_sample*, group C: imgproxy_dct2_*)\n\n```\n%s```\n", table.String())

	return similarFigure(out)
}

// retouchFigures measures red-eye removal and teeth whitening with the
// keypoints BlazeFace finds.
func retouchFigures(ctx context.Context, d vision.Detector, out *strings.Builder) error {
	region := func(f easel.Face) transform.FaceRegion {
		return transform.FaceRegion{
			Box:      transform.Rect{X: int(f.Box.X), Y: int(f.Box.Y), W: int(math.Ceil(f.Box.W)), H: int(math.Ceil(f.Box.H))},
			RightEye: transform.PointF{X: f.RightEye.X, Y: f.RightEye.Y},
			LeftEye:  transform.PointF{X: f.LeftEye.X, Y: f.LeftEye.Y},
			Mouth:    transform.PointF{X: f.Mouth.X, Y: f.Mouth.Y},
		}
	}
	load := func(rel string) (vision.RGB, []transform.FaceRegion, error) {
		img, err := vision.LoadRGB(filepath.Join(*testdata, rel))
		if err != nil {
			return img, nil, err
		}
		faces, err := d.Detect(ctx, img)
		if err != nil || len(faces) == 0 {
			return img, nil, fmt.Errorf("%s: no face found (%v)", rel, err)
		}
		return img, []transform.FaceRegion{region(faces[0])}, nil
	}
	changedOutside := func(before, after retouch.RGB, inside func(x, y int) bool) (n int, meanAbs float64) {
		var sum, count float64
		for y := 0; y < before.H; y++ {
			for x := 0; x < before.W; x++ {
				if inside(x, y) {
					continue
				}
				i := (y*before.W + x) * 3
				count += 3
				for c := 0; c < 3; c++ {
					dv := math.Abs(float64(before.Pix[i+c]) - float64(after.Pix[i+c]))
					sum += dv
					if dv != 0 {
						n++
					}
				}
			}
		}
		return n, sum / count
	}

	img, faces, err := load("faces/redeye_thumbor_redeye.png")
	if err != nil {
		return err
	}
	before := retouch.RGB(img)
	after := retouch.RGB{Pix: append([]byte(nil), img.Pix...), W: img.W, H: img.H}
	retouch.RedEye(after, faces)
	pupils := []transform.PointF{{X: 160.5, Y: 193.6}, {X: 431.2, Y: 194.1}} // measured by hand
	n, mean := changedOutside(before, after, retouch.EyeRegions(faces))
	fmt.Fprintf(out, "\n### Red-eye on faces/redeye_thumbor_redeye.png (eyes from BlazeFace)\n\n")
	fmt.Fprintf(out, "Mean red/((g+b)/2) in the pupils: %.2f before, %.2f after (goal < 1.2). Outside the eye regions: %d channel values changed, mean absolute change %.3f (goal 0).\n",
		retouch.RedEyeRatio(before, pupils, 14), retouch.RedEyeRatio(after, pupils, 14), n, mean)

	img, faces, err = load("faces/thumbor_Katherine_Maher_800px.jpg")
	if err != nil {
		return err
	}
	before = retouch.RGB(img)
	after = retouch.RGB{Pix: append([]byte(nil), img.Pix...), W: img.W, H: img.H}
	teeth := retouch.TeethMask(before, faces)
	L0, _, b0 := retouch.MeanLab(before, teeth)
	retouch.Whiten(after, faces, 50)
	L1, _, b1 := retouch.MeanLab(after, teeth)
	n, mean = changedOutside(before, after, retouch.MouthRegions(faces))
	fmt.Fprintf(out, "\n### Teeth whitening on faces/thumbor_Katherine_Maher_800px.jpg (mouth from BlazeFace, strength 50)\n\n")
	fmt.Fprintf(out, "Teeth pixels: mean b* %.1f before, %.1f after (lower); mean L* %.1f before, %.1f after. Outside the mouth region: %d channel values changed, mean absolute change %.3f (goal 0).\n",
		b0, b1, L0, L1, n, mean)
	return nil
}

// similarFigure runs the SQLite benchmark of the near-duplicate query at a
// million stored hashes.
func similarFigure(out *strings.Builder) error {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "BenchmarkSimilar1M", "-benchtime", "50x", "./internal/meta/sqlite/")
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("similar benchmark: %v\n%s", err, b)
	}
	m := regexp.MustCompile(`BenchmarkSimilar1M\S*\s+\d+\s+([\d.]+) ns/op`).FindStringSubmatch(string(b))
	if m == nil {
		return fmt.Errorf("similar benchmark: no result in\n%s", b)
	}
	ns, _ := strconv.ParseFloat(m[1], 64)
	fmt.Fprintf(out, "\n### Near-duplicate query\n\n1,000,000 stored pHashes of one tenant (generated), max distance 8: %.2f ms per query (goal ≤ 20), multi-index hashing on four 16-bit bands in SQLite.\n", ns/1e6)
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
