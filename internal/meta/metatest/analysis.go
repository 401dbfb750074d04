package metatest

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// AnalysisStore is a backend that keeps both metadata and analyses.
type AnalysisStore interface {
	easel.MetaStore
	easel.AnalysisStore
}

// RunAnalysis runs the analysis part of the conformance suite. newStore must
// return a new, empty store for every call; subtests run in parallel and
// close their store when done.
func RunAnalysis(t *testing.T, newStore func(t *testing.T) AnalysisStore) {
	t.Helper()
	runCases(t, newStore, []testCase[AnalysisStore]{
		{"AnalysisRoundTrip", testAnalysisRoundTrip},
		{"AnalysisInAssets", testAnalysisInAssets},
		{"AnalysisReplace", testAnalysisReplace},
		{"AnalysisNotFound", testAnalysisNotFound},
		{"AnalysisInvalid", testAnalysisInvalid},
		{"SimilarBruteForce", testSimilarBruteForce},
		{"SimilarBoundaries", testSimilarBoundaries},
		{"SimilarInvalid", testSimilarInvalid},
		{"SimilarTenantIsolation", testSimilarTenantIsolation},
		{"SimilarExclude", testSimilarExclude},
		{"SimilarLimitAndOrder", testSimilarLimitAndOrder},
		{"AnalysisDeleteCascades", testAnalysisDeleteCascades},
	})
}

func hexHash(h uint64) string { return fmt.Sprintf("%016x", h) }

// fullAnalysis returns an analysis with every field set.
func fullAnalysis(phash uint64) easel.Analysis {
	return easel.Analysis{
		Faces: []easel.Face{{
			Box: easel.Box{X: 10.5, Y: 20.25, W: 100, H: 120.125}, Confidence: 0.975,
			RightEye: easel.Point{X: 40, Y: 60}, LeftEye: easel.Point{X: 80.5, Y: 61},
			Nose: easel.Point{X: 60, Y: 85}, Mouth: easel.Point{X: 60, Y: 110},
			RightEar: easel.Point{X: 15, Y: 70}, LeftEar: easel.Point{X: 105, Y: 71},
		}, {
			Box: easel.Box{X: 300, Y: 40, W: 50, H: 60}, Confidence: 0.5,
		}},
		Detector:   "blazeface",
		PHash:      hexHash(phash),
		DHash:      "00ff00ff00ff00ff",
		BlurHash:   "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
		Colors:     []string{"#dc143c", "#1e3cc8", "#ffffff"},
		AnalyzedAt: base.Add(90 * time.Minute),
	}
}

// analyzed creates an asset of the tenant with an analysis of the given
// pHash.
func analyzed(t *testing.T, s AnalysisStore, tenantID string, phash uint64) easel.Asset {
	t.Helper()
	ctx := context.Background()
	a := newAsset(tenantID, sha("x"))
	require.NoError(t, s.CreateAsset(ctx, a))
	an := easel.Analysis{Detector: "pigo", PHash: hexHash(phash), DHash: hexHash(^phash), AnalyzedAt: base}
	require.NoError(t, s.SetAnalysis(ctx, a.ID, an))
	a.Analysis = &an
	return a
}

func testAnalysisRoundTrip(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tests := []struct {
		name string
		an   easel.Analysis
	}{
		{"full", fullAnalysis(0x0123456789abcdef)},
		{"top bit set", fullAnalysis(0xfedcba9876543210)},
		{"all ones", fullAnalysis(^uint64(0))},
		{"zero hash", fullAnalysis(0)},
		{"no faces, no colours", easel.Analysis{Detector: "pigo", PHash: "8000000000000001", DHash: "7fffffffffffffff", AnalyzedAt: base}},
		{"empty lists", easel.Analysis{Faces: []easel.Face{}, Colors: []string{}, PHash: "0000000000000001", DHash: "0000000000000002", AnalyzedAt: base}},
		{"no hashes", easel.Analysis{Detector: "blazeface", Faces: []easel.Face{{Confidence: 1}}, AnalyzedAt: base}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAsset(acme.ID, sha(tt.name))
			require.NoError(t, s.CreateAsset(ctx, a))
			require.NoError(t, s.SetAnalysis(ctx, a.ID, tt.an))
			got, err := s.GetAnalysis(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, tt.an, got)
		})
	}

	t.Run("upper-case hex reads back lower-case", func(t *testing.T) {
		a := newAsset(acme.ID, sha("upper"))
		require.NoError(t, s.CreateAsset(ctx, a))
		an := fullAnalysis(0xabcdef0123456789)
		an.PHash, an.DHash = strings.ToUpper(an.PHash), "ABCDEFABCDEFABCD"
		require.NoError(t, s.SetAnalysis(ctx, a.ID, an))
		got, err := s.GetAnalysis(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "abcdef0123456789", got.PHash)
		require.Equal(t, "abcdefabcdefabcd", got.DHash)
	})
}

func testAnalysisInAssets(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	plain := newAsset(acme.ID, sha("plain"))
	require.NoError(t, s.CreateAsset(ctx, plain))
	time.Sleep(2 * time.Millisecond) // distinct ID milliseconds: plain is older
	withAnalysis := newAsset(acme.ID, sha("analysed"))
	require.NoError(t, s.CreateAsset(ctx, withAnalysis))
	an := fullAnalysis(0x1122334455667788)
	require.NoError(t, s.SetAnalysis(ctx, withAnalysis.ID, an))
	withAnalysis.Analysis = &an

	got, err := s.GetAsset(ctx, plain.ID)
	require.NoError(t, err)
	require.Nil(t, got.Analysis, "no analysis yet")
	require.Equal(t, plain, got)

	got, err = s.GetAsset(ctx, withAnalysis.ID)
	require.NoError(t, err)
	require.Equal(t, withAnalysis, got)

	page, _, err := s.ListAssets(ctx, acme.ID, easel.ListPage{})
	require.NoError(t, err)
	require.Equal(t, []easel.Asset{withAnalysis, plain}, page)
}

func testAnalysisReplace(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	const first, second = uint64(0x00000000ffffffff), uint64(0xffffffff00000000)
	a := analyzed(t, s, acme.ID, first)

	replacement := fullAnalysis(second)
	replacement.Detector = "blazeface"
	require.NoError(t, s.SetAnalysis(ctx, a.ID, replacement))
	got, err := s.GetAnalysis(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, replacement, got)

	found, err := s.SimilarAssets(ctx, acme.ID, first, 16, 0, "")
	require.NoError(t, err)
	require.Empty(t, found, "the old hash is no longer indexed")
	found, err = s.SimilarAssets(ctx, acme.ID, second, 0, 0, "")
	require.NoError(t, err)
	require.Equal(t, []easel.Similar{{AssetID: a.ID, Distance: 0}}, found)

	// Replacing with an analysis without a pHash drops it from the index.
	require.NoError(t, s.SetAnalysis(ctx, a.ID, easel.Analysis{Detector: "pigo", AnalyzedAt: base}))
	found, err = s.SimilarAssets(ctx, acme.ID, second, 16, 0, "")
	require.NoError(t, err)
	require.Empty(t, found)
}

func testAnalysisNotFound(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	_, err := s.GetAnalysis(ctx, easel.NewID())
	requireCode(t, easel.CodeNotFound, err)

	a := newAsset(acme.ID, sha("a"))
	require.NoError(t, s.CreateAsset(ctx, a))
	_, err = s.GetAnalysis(ctx, a.ID)
	requireCode(t, easel.CodeNotFound, err) // an asset without an analysis

	err = s.SetAnalysis(ctx, easel.NewID(), fullAnalysis(1))
	requireCode(t, easel.CodeNotFound, err)
}

func testAnalysisInvalid(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	a := newAsset(acme.ID, sha("a"))
	require.NoError(t, s.CreateAsset(ctx, a))
	tests := []struct {
		name   string
		change func(*easel.Analysis)
	}{
		{"short phash", func(an *easel.Analysis) { an.PHash = "abc" }},
		{"long phash", func(an *easel.Analysis) { an.PHash = "0123456789abcdef0" }},
		{"non-hex phash", func(an *easel.Analysis) { an.PHash = "0123456789abcdeg" }},
		{"signed phash", func(an *easel.Analysis) { an.PHash = "+123456789abcdef" }},
		{"bad dhash", func(an *easel.Analysis) { an.DHash = "xyz" }},
		{"zero time", func(an *easel.Analysis) { an.AnalyzedAt = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			an := fullAnalysis(42)
			tt.change(&an)
			requireCode(t, easel.CodeInvalidArgument, s.SetAnalysis(ctx, a.ID, an))
			_, err := s.GetAnalysis(ctx, a.ID)
			requireCode(t, easel.CodeNotFound, err) // nothing was stored
		})
	}
}

// bruteForce is what SimilarAssets must return, computed from all hashes.
func bruteForce(hashes map[string]uint64, q uint64, maxDistance, limit int, excludeID string) []easel.Similar {
	var want []easel.Similar
	for id, h := range hashes {
		if d := bits.OnesCount64(h ^ q); d <= maxDistance && id != excludeID {
			want = append(want, easel.Similar{AssetID: id, Distance: d})
		}
	}
	slices.SortFunc(want, func(a, b easel.Similar) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), strings.Compare(a.AssetID, b.AssetID))
	})
	return want[:min(len(want), limit)]
}

// spread returns h with d bits flipped, spread as evenly as possible over
// the 4 16-bit quarters (the hardest case for a search by bands), at
// positions chosen by r.
func spread(r *rand.Rand, h uint64, d int) uint64 {
	var flipped uint64
	for i := range d {
		for {
			bit := uint64(1) << (16*(i%4) + r.IntN(16))
			if flipped&bit == 0 {
				flipped |= bit
				break
			}
		}
	}
	return h ^ flipped
}

// concentrated returns h with its lowest d bits flipped: all in the last
// quarter first.
func concentrated(h uint64, d int) uint64 {
	if d == 64 {
		return ^h
	}
	return h ^ (1<<d - 1)
}

func newRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	return rand.New(rand.NewPCG(seed, seed>>1))
}

// similarHashes is how many hashes SimilarBruteForce stores.
const similarHashes = 3000

func testSimilarBruteForce(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	r := newRand(t)
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")

	// Clusters around a few centres, and uniformly random hashes.
	centres := make([]uint64, 12)
	for i := range centres {
		centres[i] = r.Uint64()
	}
	hashes := map[string]uint64{}
	for i := range similarHashes {
		h := r.Uint64()
		if i%3 != 0 {
			h = spread(r, centres[r.IntN(len(centres))], r.IntN(22))
		}
		hashes[analyzed(t, s, acme.ID, h).ID] = h
	}
	// The other tenant has the same clusters.
	for range 200 {
		analyzed(t, s, other.ID, spread(r, centres[r.IntN(len(centres))], r.IntN(10)))
	}

	queries := append(slices.Clone(centres), r.Uint64(), r.Uint64(), spread(r, centres[0], 3))
	var excludeID string
	for id := range hashes {
		excludeID = id
		break
	}
	for _, q := range queries {
		for _, d := range []int{0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 15, 16} {
			for _, limit := range []int{0, 7, 200} {
				got, err := s.SimilarAssets(ctx, acme.ID, q, d, limit, "")
				require.NoError(t, err)
				wantLimit := limit
				if limit == 0 {
					wantLimit = 20
				}
				require.Equal(t, bruteForce(hashes, q, d, wantLimit, ""), nilIfEmpty(got), "query %016x, distance %d, limit %d", q, d, limit)
			}
			got, err := s.SimilarAssets(ctx, acme.ID, q, d, 200, excludeID)
			require.NoError(t, err)
			require.Equal(t, bruteForce(hashes, q, d, 200, excludeID), nilIfEmpty(got))
		}
	}
}

func nilIfEmpty(s []easel.Similar) []easel.Similar {
	if len(s) == 0 {
		return nil
	}
	return s
}

func testSimilarBoundaries(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	r := newRand(t)
	acme := createTenant(t, s, "acme")
	q := r.Uint64()
	hashes := map[string]uint64{}
	for d := 0; d <= 20; d++ {
		for _, h := range []uint64{spread(r, q, d), spread(r, q, d), concentrated(q, d)} {
			require.Equal(t, d, bits.OnesCount64(h^q))
			hashes[analyzed(t, s, acme.ID, h).ID] = h
		}
	}
	for d := 0; d <= 16; d++ {
		got, err := s.SimilarAssets(ctx, acme.ID, q, d, 200, "")
		require.NoError(t, err)
		want := bruteForce(hashes, q, d, 200, "")
		require.Len(t, want, 3*(d+1))
		require.Equal(t, want, got, "distance %d", d)
	}
}

func testSimilarInvalid(t *testing.T, s AnalysisStore) {
	acme := createTenant(t, s, "acme")
	for _, d := range []int{-1, 17, 64} {
		_, err := s.SimilarAssets(context.Background(), acme.ID, 1, d, 10, "")
		requireCode(t, easel.CodeInvalidArgument, err)
	}
	got, err := s.SimilarAssets(context.Background(), easel.NewID(), 1, 16, 10, "")
	require.NoError(t, err, "an unknown tenant has no similar assets")
	require.Empty(t, got)
}

func testSimilarTenantIsolation(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")
	const h = uint64(0xdeadbeefcafef00d)
	a := analyzed(t, s, acme.ID, h)
	b := analyzed(t, s, other.ID, h)
	tests := []struct {
		tenant string
		want   string
	}{{acme.ID, a.ID}, {other.ID, b.ID}}
	for _, tt := range tests {
		got, err := s.SimilarAssets(ctx, tt.tenant, h, 8, 0, "")
		require.NoError(t, err)
		require.Equal(t, []easel.Similar{{AssetID: tt.want, Distance: 0}}, got)
	}
}

func testSimilarExclude(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	const h = uint64(0x0f0f0f0f0f0f0f0f)
	self := analyzed(t, s, acme.ID, h)
	twin := analyzed(t, s, acme.ID, h^0b101)
	got, err := s.SimilarAssets(ctx, acme.ID, h, 8, 0, self.ID)
	require.NoError(t, err)
	require.Equal(t, []easel.Similar{{AssetID: twin.ID, Distance: 2}}, got)
	got, err = s.SimilarAssets(ctx, acme.ID, h, 8, 0, "")
	require.NoError(t, err)
	require.Equal(t, []easel.Similar{{AssetID: self.ID, Distance: 0}, {AssetID: twin.ID, Distance: 2}}, got)
}

func testSimilarLimitAndOrder(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	const h = uint64(0x5555aaaa5555aaaa)
	var same []string // all at distance 0
	for range 205 {
		same = append(same, analyzed(t, s, acme.ID, h).ID)
	}
	near := analyzed(t, s, acme.ID, h^1<<40) // distance 1: after all of them
	slices.Sort(same)
	ids := func(found []easel.Similar) []string {
		var out []string
		for _, f := range found {
			out = append(out, f.AssetID)
		}
		return out
	}
	tests := []struct {
		name  string
		limit int
		want  []string
	}{
		{"default 20", 0, same[:20]},
		{"negative is default", -3, same[:20]},
		{"five", 5, same[:5]},
		{"at most 200", 1000, same[:200]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SimilarAssets(ctx, acme.ID, h, 4, tt.limit, "")
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(got), "ties by asset ID")
		})
	}
	got, err := s.SimilarAssets(ctx, acme.ID, h^1<<40, 1, 200, "")
	require.NoError(t, err)
	require.Equal(t, easel.Similar{AssetID: near.ID, Distance: 0}, got[0], "nearest first")
	require.Equal(t, 1, got[1].Distance)
}

func testAnalysisDeleteCascades(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	const h = uint64(0x0123456789abcdef)
	gone := analyzed(t, s, acme.ID, h)
	kept := analyzed(t, s, acme.ID, h)
	_, err := s.DeleteAsset(ctx, gone.ID)
	require.NoError(t, err)
	_, err = s.GetAnalysis(ctx, gone.ID)
	requireCode(t, easel.CodeNotFound, err)
	got, err := s.SimilarAssets(ctx, acme.ID, h, 16, 0, "")
	require.NoError(t, err)
	require.Equal(t, []easel.Similar{{AssetID: kept.ID, Distance: 0}}, got)

	// An asset re-created under the same ID starts without an analysis.
	gone.Analysis = nil
	require.NoError(t, s.CreateAsset(ctx, gone))
	_, err = s.GetAnalysis(ctx, gone.ID)
	requireCode(t, easel.CodeNotFound, err)
}
