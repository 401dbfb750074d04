package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// benchInputs is a temporary folder holding the inputs of the peers suite,
// which every server reads: easel by upload, sharp and vipsthumbnail from
// the folder.
type benchInputs struct {
	dir   string
	files map[string]string // scenario input key → file name in dir
}

// peerInputs picks the inputs from the corpus manifest: a ~4 MP baseline
// JPEG with an embedded sRGB profile (or, when the corpus has none, one made
// from a 4 MP baseline photo by re-encoding it with the profile embedded),
// and the ~15 MP progressive JPEG. note says which and how.
func peerInputs() (*benchInputs, string, error) {
	rows, err := manifest(filepath.Join(*testdata, "MANIFEST.tsv"))
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "easel-bench-inputs")
	if err != nil {
		return nil, "", err
	}
	in := &benchInputs{dir: dir, files: map[string]string{}}
	var notes []string

	pick := func(want func(r manifestRow) bool) (manifestRow, bool) {
		for _, r := range rows {
			if strings.HasPrefix(r.file, "photos/") && want(r) {
				return r, true
			}
		}
		return manifestRow{}, false
	}
	near := func(mp, lo, hi float64) bool { return mp >= lo && mp <= hi }
	if r, ok := pick(func(r manifestRow) bool {
		return near(r.mp, 3.6, 4.6) && strings.Contains(r.format, "Baseline") && strings.Contains(r.format, "sRGB")
	}); ok {
		if err := os.Symlink(filepath.Join(mustAbs(*testdata), r.file), filepath.Join(dir, "4mp.jpg")); err != nil {
			return nil, "", err
		}
		notes = append(notes, fmt.Sprintf("4 MP = %s (%s, %.1f MP)", r.file, r.format, r.mp))
	} else if r, ok := pick(func(r manifestRow) bool {
		return near(r.mp, 3.6, 4.6) && strings.Contains(r.format, "Baseline") && strings.Contains(r.format, "3ch")
	}); ok {
		// No 4 MP baseline JPEG with an sRGB profile in the corpus: embed one.
		src := filepath.Join(*testdata, r.file)
		dst := filepath.Join(dir, "4mp.jpg")
		if out, err := exec.Command("vips", "copy", src, dst+"[Q=92,no_subsample,profile=srgb]").CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("making the 4 MP input: %v: %s", err, out)
		}
		notes = append(notes, fmt.Sprintf("4 MP = %s (%.1f MP baseline, no profile) re-encoded at bench start by "+
			"`vips copy in.jpg out.jpg[Q=92,no_subsample,profile=srgb]`: baseline 4:4:4 with libvips' built-in sRGB profile embedded "+
			"(the corpus has no 4 MP baseline JPEG with an sRGB profile)", r.file, r.mp))
	} else {
		return nil, "", fmt.Errorf("no ~4 MP baseline JPEG in %s", *testdata)
	}
	in.files["4 MP"] = "4mp.jpg"

	r, ok := pick(func(r manifestRow) bool { return near(r.mp, 14, 17) && strings.Contains(r.format, "Progressive") })
	if !ok {
		return nil, "", fmt.Errorf("no ~15 MP progressive JPEG in %s", *testdata)
	}
	if err := os.Symlink(filepath.Join(mustAbs(*testdata), r.file), filepath.Join(dir, "15mp.jpg")); err != nil {
		return nil, "", err
	}
	in.files["15 MP progressive"] = "15mp.jpg"
	notes = append(notes, fmt.Sprintf("15 MP progressive = %s (%s, %.1f MP)", r.file, r.format, r.mp))
	return in, strings.Join(notes, "; ") + ".", nil
}

type manifestRow struct {
	file, format string
	mp           float64
}

// manifest reads file, bytes, "W x H", format from the corpus manifest.
func manifest(path string) ([]manifestRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("corpus manifest: %w", err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 4 || !strings.HasSuffix(strings.ToLower(c[0]), ".jpg") {
			continue
		}
		var w, h float64
		if _, err := fmt.Sscanf(c[2], "%g x %g", &w, &h); err != nil {
			continue
		}
		rows = append(rows, manifestRow{file: c[0], format: c[3], mp: w * h / 1e6})
	}
	return rows, sc.Err()
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
