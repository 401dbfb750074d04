package sqlstore

import (
	"cmp"
	"context"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/easelhq/easel"
)

// Near-duplicate search (see migration 0003): the pHash is cut into
// hashBands bands of bandBits bits.
const (
	hashBands = 4
	bandBits  = 16

	// MaxSimilarDistance is the largest maxDistance SimilarAssets accepts:
	// beyond it the bands no longer guarantee that every match is found.
	MaxSimilarDistance = 16
	// DefaultSimilarLimit and MaxSimilarLimit bound SimilarAssets' results.
	DefaultSimilarLimit = 20
	MaxSimilarLimit     = 200
)

// bandValue returns band b (0 = most significant) of hash h.
func bandValue(h uint64, b int) int64 {
	return int64(h >> (bandBits * (hashBands - 1 - b)) & (1<<bandBits - 1))
}

// flipMasks[r] holds every 16-bit mask of at most r set bits, fewest first:
// XORed into a band value they give all values within r bits of it.
var flipMasks = func() (m [MaxSimilarDistance/hashBands + 1][]uint16) {
	for r := range m {
		for k := 0; k <= r; k++ {
			for v := 0; v < 1<<bandBits; v++ {
				if bits.OnesCount16(uint16(v)) == k {
					m[r] = append(m[r], uint16(v))
				}
			}
		}
	}
	return m
}()

// similarQuery returns the query that fetches the candidates near phash
// for a search radius (per band) of r bits: for each band, the rows whose
// value is one of the len(flipMasks[r]) values within r bits of the query's.
// The tenant ID is its one parameter. The values are written into the SQL
// as integer literals (computed here, never user text): binding thousands
// of parameters costs more than parsing them. The covering index
// phash_bands_lookup_idx answers each IN list by seeks.
func similarQuery(phash uint64, r int) string {
	masks := flipMasks[r]
	var b strings.Builder
	b.Grow(hashBands * (100 + 7*len(masks)))
	for band := range hashBands {
		if band > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT phash, asset_id FROM phash_bands WHERE tenant_id = ?1 AND band = ")
		b.WriteString(strconv.Itoa(band))
		b.WriteString(" AND value IN (")
		v := uint16(bandValue(phash, band))
		for i, m := range masks {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(v ^ m)))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// SimilarAssets returns up to limit assets of the tenant whose pHash is
// within maxDistance (0..16, else easel.CodeInvalidArgument) bits of phash,
// nearest first, ties by asset ID, leaving out excludeID. limit defaults to
// DefaultSimilarLimit and is clamped to MaxSimilarLimit.
//
// It does not scan the tenant's hashes: by the pigeonhole principle a hash
// within d bits agrees to within ⌊d/4⌋ bits with the query on one of the 4
// bands, so it looks up, per band, the values that near (137 per band for
// d = 8) in the covering index, then keeps the candidates really within d.
func (s *Store) SimilarAssets(ctx context.Context, tenantID string, phash uint64, maxDistance, limit int, excludeID string) ([]easel.Similar, error) {
	if maxDistance < 0 || maxDistance > MaxSimilarDistance {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "maxDistance %d is not in 0..%d", maxDistance, MaxSimilarDistance)
	}
	switch {
	case limit <= 0:
		limit = DefaultSimilarLimit
	case limit > MaxSimilarLimit:
		limit = MaxSimilarLimit
	}
	rows, err := s.read.QueryContext(ctx, similarQuery(phash, maxDistance/hashBands), tenantID)
	if err != nil {
		return nil, s.errorf("similar assets: %w", err)
	}
	defer rows.Close()
	var (
		found []easel.Similar
		seen  = map[string]bool{}
		h     int64
		id    string
	)
	for rows.Next() {
		if err := rows.Scan(&h, &id); err != nil {
			return nil, s.errorf("similar assets: %w", err)
		}
		d := bits.OnesCount64(uint64(h) ^ phash)
		if d > maxDistance || string(id) == excludeID || seen[string(id)] {
			continue
		}
		sid := string(id)
		seen[sid] = true
		found = append(found, easel.Similar{AssetID: sid, Distance: d})
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("similar assets: %w", err)
	}
	slices.SortFunc(found, func(a, b easel.Similar) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), strings.Compare(a.AssetID, b.AssetID))
	})
	return found[:min(len(found), limit)], nil
}
