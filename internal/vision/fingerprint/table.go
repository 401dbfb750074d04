package fingerprint

import (
	"fmt"
	"image"
	_ "image/jpeg" // decoders for DistanceTable
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Table is the pHash and dHash distances between every pair of images of a
// folder, for tests and benchmarks to print.
type Table struct {
	Names []string // file names, sorted
	PHash []uint64 // PHash of each file
	DHash []uint64 // DHash of each file
	P     [][]int  // P[i][j] is Distance(PHash[i], PHash[j])
	D     [][]int  // D[i][j] is Distance(DHash[i], DHash[j])
}

// DistanceTable hashes every JPEG and PNG file in dir (decoded with the
// standard library, not oriented) and returns their distances.
func DistanceTable(dir string) (Table, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Table{}, fmt.Errorf("fingerprint: distance table: %w", err)
	}
	var t Table
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".jpg" && ext != ".jpeg" && ext != ".png") {
			continue
		}
		img, err := decodeFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return Table{}, fmt.Errorf("fingerprint: distance table: %w", err)
		}
		t.Names = append(t.Names, e.Name())
		t.PHash = append(t.PHash, PHash(img))
		t.DHash = append(t.DHash, DHash(img))
	}
	slices.Sort(t.Names) // os.ReadDir sorts already; keep the order explicit
	t.P, t.D = distances(t.PHash), distances(t.DHash)
	return t, nil
}

func distances(hs []uint64) [][]int {
	d := make([][]int, len(hs))
	for i := range hs {
		d[i] = make([]int, len(hs))
		for j := range hs {
			d[i][j] = Distance(hs[i], hs[j])
		}
	}
	return d
}

func decodeFile(path string) (RGB, error) {
	f, err := os.Open(path)
	if err != nil {
		return RGB{}, err
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		return RGB{}, fmt.Errorf("decode %s: %w", path, err)
	}
	return FromImage(m), nil
}

// String formats the pHash distances as a matrix with numbered rows, the
// file names and hashes listed first.
func (t Table) String() string {
	var b strings.Builder
	for i, n := range t.Names {
		fmt.Fprintf(&b, "%2d  %s  %s  %s\n", i, Hex(t.PHash[i]), Hex(t.DHash[i]), n)
	}
	b.WriteString("\npHash distances\n    ")
	for j := range t.Names {
		fmt.Fprintf(&b, "%3d", j)
	}
	b.WriteByte('\n')
	for i, row := range t.P {
		fmt.Fprintf(&b, "%2d  ", i)
		for _, d := range row {
			fmt.Fprintf(&b, "%3d", d)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
