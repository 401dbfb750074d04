package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/easelhq/easel"
)

var _ easel.LevelStore = (*Store)(nil)

// SetLevels records (or replaces) the levels of an asset as JSON in its
// row; an empty list records that it has none. A missing asset gives
// easel.CodeNotFound; a level without a positive side and size, or without
// a format, gives easel.CodeInvalidArgument.
func (s *Store) SetLevels(ctx context.Context, assetID string, levels []easel.Level) error {
	for _, l := range levels {
		if l.Side <= 0 || l.Width <= 0 || l.Height <= 0 || l.Bytes < 0 || l.Format == "" {
			return easel.Errorf(easel.CodeInvalidArgument, "level %+v of asset %s is not valid", l, assetID)
		}
	}
	if levels == nil {
		levels = []easel.Level{}
	}
	b, err := json.Marshal(levels)
	if err != nil {
		return s.errorf("set levels of %q: %w", assetID, err)
	}
	res, err := s.write.ExecContext(ctx, "UPDATE assets SET levels = ?, levels_bytes = ? WHERE id = ?", string(b), easel.LevelsBytes(levels), assetID)
	if err != nil {
		return s.errorf("set levels of %q: %w", assetID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.errorf("set levels of %q: %w", assetID, err)
	} else if n == 0 {
		return easel.Errorf(easel.CodeNotFound, "asset %s not found", assetID)
	}
	return nil
}

// scanLevels decodes the levels column of an asset (NULL: none made yet).
func scanLevels(a *easel.Asset, col sql.NullString) error {
	if !col.Valid {
		return nil
	}
	if err := json.Unmarshal([]byte(col.String), &a.Levels); err != nil {
		return fmt.Errorf("asset %s: bad stored levels: %w", a.ID, err)
	}
	a.LevelsBytes = easel.LevelsBytes(a.Levels)
	return nil
}
