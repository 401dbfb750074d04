package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/easelhq/easel"
)

var _ easel.AnalysisStore = (*Store)(nil)

// analysisColumns are the columns of asset_analysis that make an
// easel.Analysis, in the order scanAnalysis reads them.
const analysisColumns = "faces, detector, phash, dhash, blurhash, colors, analyzed_at"

// SetAnalysis records (or replaces) the analysis of an asset and its pHash
// bands, in one transaction. A missing asset gives easel.CodeNotFound; a
// hash that is not 16 hex digits, or a zero AnalyzedAt, gives
// easel.CodeInvalidArgument. Empty hashes are allowed (stored NULL, read
// back empty); such an asset is never found by SimilarAssets. Hashes are
// read back in lower case.
func (s *Store) SetAnalysis(ctx context.Context, assetID string, a easel.Analysis) error {
	phash, err := parseHash(a.PHash, "phash")
	if err != nil {
		return err
	}
	dhash, err := parseHash(a.DHash, "dhash")
	if err != nil {
		return err
	}
	at, err := toNanos(a.AnalyzedAt, "analysis analyzed_at")
	if err != nil {
		return err
	}
	faces, err := json.Marshal(a.Faces)
	if err != nil {
		return s.errorf("set analysis of %q: encode faces: %w", assetID, err)
	}
	colors, err := json.Marshal(a.Colors)
	if err != nil {
		return s.errorf("set analysis of %q: encode colors: %w", assetID, err)
	}

	err = s.inTx(ctx, func(tx Conn) error {
		var tenantID string
		if err := tx.QueryRowContext(ctx, "SELECT tenant_id FROM assets WHERE id = ?", assetID).Scan(&tenantID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return easel.Errorf(easel.CodeNotFound, "asset %s not found", assetID)
			}
			return err
		}
		// Delete then insert (not an upsert) so the SQL is the same in
		// every dialect; the bands go with the row (ON DELETE CASCADE).
		if _, err := tx.ExecContext(ctx, "DELETE FROM asset_analysis WHERE asset_id = ?", assetID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO asset_analysis (asset_id, "+analysisColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			assetID, string(faces), a.Detector, phash, dhash, a.BlurHash, string(colors), at); err != nil {
			return err
		}
		if !phash.Valid {
			return nil
		}
		h := uint64(phash.Int64)
		args := make([]any, 0, 5*hashBands)
		for band := range hashBands {
			args = append(args, tenantID, band, bandValue(h, band), assetID, phash.Int64)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO phash_bands (tenant_id, band, value, asset_id, phash) VALUES "+
			"(?, ?, ?, ?, ?), (?, ?, ?, ?, ?), (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)", args...)
		return err
	})
	if err != nil {
		if easel.IsNotFound(err) {
			return err
		}
		return s.errorf("set analysis of %q: %w", assetID, err)
	}
	return nil
}

// GetAnalysis returns the analysis of an asset, or easel.CodeNotFound when
// it has none (or the asset does not exist).
func (s *Store) GetAnalysis(ctx context.Context, assetID string) (easel.Analysis, error) {
	var c analysisCols
	err := s.read.QueryRowContext(ctx, "SELECT "+analysisColumns+" FROM asset_analysis WHERE asset_id = ?", assetID).
		Scan(c.dest()...)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return easel.Analysis{}, easel.Errorf(easel.CodeNotFound, "analysis of asset %s not found", assetID)
		}
		return easel.Analysis{}, s.errorf("get analysis of %q: %w", assetID, err)
	}
	a, err := c.analysis()
	if err != nil {
		return easel.Analysis{}, s.errorf("get analysis of %q: %w", assetID, err)
	}
	return *a, nil
}

// analysisCols receives the analysisColumns of a row, all nullable so that
// a LEFT JOIN without a match scans too.
type analysisCols struct {
	faces, detector, blurhash, colors sql.NullString
	phash, dhash, analyzedAt          sql.NullInt64
}

func (c *analysisCols) dest() []any {
	return []any{&c.faces, &c.detector, &c.phash, &c.dhash, &c.blurhash, &c.colors, &c.analyzedAt}
}

// analysis returns the scanned analysis, or nil when the row had none.
func (c *analysisCols) analysis() (*easel.Analysis, error) {
	if !c.analyzedAt.Valid {
		return nil, nil
	}
	a := &easel.Analysis{
		Detector:   c.detector.String,
		PHash:      formatHash(c.phash),
		DHash:      formatHash(c.dhash),
		BlurHash:   c.blurhash.String,
		AnalyzedAt: fromNanos(c.analyzedAt.Int64),
	}
	if err := json.Unmarshal([]byte(c.faces.String), &a.Faces); err != nil {
		return nil, fmt.Errorf("bad stored faces: %w", err)
	}
	if err := json.Unmarshal([]byte(c.colors.String), &a.Colors); err != nil {
		return nil, fmt.Errorf("bad stored colors: %w", err)
	}
	return a, nil
}

// parseHash parses a 64-bit hash of 16 hex digits into its stored form,
// the int64 of the same bits; "" is NULL.
func parseHash(s, what string) (sql.NullInt64, error) {
	if s == "" {
		return sql.NullInt64{}, nil
	}
	h, err := strconv.ParseUint(s, 16, 64)
	if len(s) != 16 || err != nil {
		return sql.NullInt64{}, easel.Errorf(easel.CodeInvalidArgument, "%s %q is not 16 hex digits", what, s)
	}
	return sql.NullInt64{Int64: int64(h), Valid: true}, nil
}

// formatHash is the inverse of parseHash, in lower case.
func formatHash(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return fmt.Sprintf("%016x", uint64(n.Int64))
}
