package sqlite_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlite"
)

// corpus is a tenant's stored pHashes, built by bulkLoad.
type corpus struct {
	tenantID string
	ids      []string
	hashes   []uint64
	queries  []uint64 // hashes with planted near-duplicates
}

// newCorpus makes n hashes: n - planted uniformly random ones, and, around
// each of planted/10 query hashes, 10 near-duplicates at distances 0..9.
func newCorpus(n, planted int, seed uint64) corpus {
	r := rand.New(rand.NewPCG(seed, seed+1))
	c := corpus{tenantID: fmt.Sprintf("tenant%020d", seed)}
	for i := range n {
		c.ids = append(c.ids, fmt.Sprintf("a%025d", i))
		c.hashes = append(c.hashes, r.Uint64())
	}
	for i := 0; i+10 <= planted; i += 10 {
		q := r.Uint64()
		c.queries = append(c.queries, q)
		for d := range 10 {
			h := q
			for bits.OnesCount64(h^q) < d {
				h ^= 1 << r.IntN(64)
			}
			c.hashes[n-planted+i+d] = h
		}
	}
	return c
}

// bruteForce scans every hash.
func (c corpus) bruteForce(q uint64, maxDistance, limit int) []easel.Similar {
	var out []easel.Similar
	for i, h := range c.hashes {
		if d := bits.OnesCount64(h ^ q); d <= maxDistance {
			out = append(out, easel.Similar{AssetID: c.ids[i], Distance: d})
		}
	}
	slices.SortFunc(out, func(a, b easel.Similar) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), strings.Compare(a.AssetID, b.AssetID))
	})
	return out[:min(len(out), limit)]
}

// bandIndexes returns the CREATE INDEX statements of phash_bands from the
// migration, so the bulk load rebuilds exactly them.
func bandIndexes(tb testing.TB) []string {
	b, err := os.ReadFile("../sqlstore/migrations/0003_analysis.sql")
	require.NoError(tb, err)
	idx := regexp.MustCompile(`(?m)^CREATE (UNIQUE )?INDEX (\w+) ON phash_bands .*;$`).FindAllString(string(b), -1)
	require.Len(tb, idx, 2)
	return idx
}

// bulkLoad writes the corpus to the migrated, empty database at path as
// fast as SQLite allows: no journal, no sync, the band indexes dropped
// during the load and rebuilt (by sorting) after it. It is the same data
// SetAnalysis would write.
func bulkLoad(tb testing.TB, path string, c corpus) {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	require.NoError(tb, err)
	require.NoError(tb, s.Close())

	db, err := sql.Open("sqlite", path)
	require.NoError(tb, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		tb.Helper()
		_, err := db.Exec(q, args...)
		require.NoError(tb, err, q)
	}
	exec("PRAGMA journal_mode = OFF")
	exec("PRAGMA synchronous = OFF")
	exec("PRAGMA cache_size = -262144") // 256 MiB
	indexes := bandIndexes(tb)
	for _, stmt := range indexes {
		name := regexp.MustCompile(`INDEX (\w+)`).FindStringSubmatch(stmt)[1]
		exec("DROP INDEX " + name)
	}

	now := time.Now().UnixNano()
	tx, err := db.Begin()
	require.NoError(tb, err)
	_, err = tx.Exec("INSERT INTO tenants (id, name, created_at) VALUES (?, 'bench', ?)", c.tenantID, now)
	require.NoError(tb, err)
	assets, err := tx.Prepare("INSERT INTO assets (id, tenant_id, sha256, format, width, height, pages, bytes, name, created_at) VALUES (?, ?, 'x', 'jpeg', 1, 1, 1, 1, '', ?)")
	require.NoError(tb, err)
	analyses, err := tx.Prepare("INSERT INTO asset_analysis (asset_id, faces, detector, phash, dhash, blurhash, colors, analyzed_at) VALUES (?, 'null', '', ?, ?, '', 'null', ?)")
	require.NoError(tb, err)
	bands, err := tx.Prepare("INSERT INTO phash_bands (tenant_id, band, value, asset_id, phash) VALUES (?, 0, ?, ?, ?), (?, 1, ?, ?, ?), (?, 2, ?, ?, ?), (?, 3, ?, ?, ?)")
	require.NoError(tb, err)
	for i, id := range c.ids {
		h := c.hashes[i]
		p := int64(h)
		_, err := assets.Exec(id, c.tenantID, now)
		require.NoError(tb, err)
		_, err = analyses.Exec(id, p, p, now)
		require.NoError(tb, err)
		_, err = bands.Exec(
			c.tenantID, int64(h>>48), id, p,
			c.tenantID, int64(h>>32&0xffff), id, p,
			c.tenantID, int64(h>>16&0xffff), id, p,
			c.tenantID, int64(h&0xffff), id, p)
		require.NoError(tb, err)
	}
	require.NoError(tb, tx.Commit())
	for _, stmt := range indexes {
		exec(stmt)
	}
	exec("PRAGMA journal_mode = WAL")
}

// TestSimilarBulk checks SimilarAssets against a brute-force scan on a
// bulk-loaded tenant of 5,000 hashes (and so that bulkLoad writes what
// SetAnalysis would).
func TestSimilarBulk(t *testing.T) {
	t.Parallel()
	c := newCorpus(5000, 1000, 7)
	path := filepath.Join(t.TempDir(), "meta.db")
	bulkLoad(t, path, c)
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	r := rand.New(rand.NewPCG(1, 2))
	queries := append(slices.Clone(c.queries), r.Uint64(), r.Uint64())
	for _, q := range queries {
		for _, d := range []int{0, 2, 4, 8, 12, 16} {
			got, err := s.SimilarAssets(t.Context(), c.tenantID, q, d, 200, "")
			require.NoError(t, err)
			want := c.bruteForce(q, d, 200)
			if len(want) == 0 {
				require.Empty(t, got)
				continue
			}
			require.Equal(t, want, got, "query %016x distance %d", q, d)
		}
	}

	// The bulk-loaded rows behave as SetAnalysis' own: replacing one
	// re-indexes it.
	ctx := t.Context()
	require.NoError(t, s.SetAnalysis(ctx, c.ids[0], easel.Analysis{PHash: "0123456789abcdef", AnalyzedAt: time.Now()}))
	got, err := s.SimilarAssets(ctx, c.tenantID, 0x0123456789abcdef, 0, 0, "")
	require.NoError(t, err)
	require.Equal(t, []easel.Similar{{AssetID: c.ids[0]}}, got)
}

// benchVersion keys the cached benchmark database: change it when the
// schema or the generator changes (the migrations' hash is added too).
const benchVersion = "similar-v1"

// cachedCorpusDB returns the path of a database holding c, built once and
// kept in os.TempDir() between runs.
func cachedCorpusDB(b *testing.B, c corpus, key string) string {
	b.Helper()
	h := sha256.New()
	files, err := migrationPaths()
	require.NoError(b, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		h.Write(data)
	}
	fmt.Fprint(h, benchVersion, key)
	path := filepath.Join(os.TempDir(), "easel-bench-"+hex.EncodeToString(h.Sum(nil))[:16]+".db")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	start := time.Now()
	tmp := path + ".building"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	bulkLoad(b, tmp, c)
	require.NoError(b, os.Rename(tmp, path))
	b.Logf("built %s with %d hashes in %v", path, len(c.hashes), time.Since(start).Round(time.Millisecond))
	return path
}

// BenchmarkSimilar1M searches one tenant of 1,000,000 pHashes for the
// near duplicates (maxDistance 8) of hashes that have 9 planted within 8
// bits. The database, about 1 GB, is built on the first run (a minute or
// two) and cached in os.TempDir().
func BenchmarkSimilar1M(b *testing.B) {
	benchmarkSimilar(b, 1_000_000, 8)
}

// BenchmarkSimilar1MDistance4 is the same with maxDistance 4 (one bit per
// band: 17 values per band instead of 137).
func BenchmarkSimilar1MDistance4(b *testing.B) {
	benchmarkSimilar(b, 1_000_000, 4)
}

func benchmarkSimilar(b *testing.B, n, maxDistance int) {
	c := newCorpus(n, 10_000, 1)
	path := cachedCorpusDB(b, c, fmt.Sprint(n))
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	require.NoError(b, err)
	defer s.Close()
	ctx := context.Background()

	// Correct on a sample, and warm.
	for _, q := range c.queries[:20] {
		got, err := s.SimilarAssets(ctx, c.tenantID, q, maxDistance, 200, "")
		require.NoError(b, err)
		require.Equal(b, c.bruteForce(q, maxDistance, 200), got)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := c.queries[i%len(c.queries)]
		i++
		got, err := s.SimilarAssets(ctx, c.tenantID, q, maxDistance, 0, "")
		if err != nil || len(got) < maxDistance+1 {
			b.Fatalf("query %016x: %d found, %v", q, len(got), err)
		}
	}
}
