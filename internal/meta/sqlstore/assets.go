package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/easelhq/easel"
)

// Page sizes of ListAssets.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 1000
)

const assetColumns = "id, tenant_id, sha256, format, width, height, pages, bytes, name, exif, created_at, kind, video, region"

// selectAssets reads assets with their analysis, if any (scanAsset): one
// primary-key lookup more per asset than the assets table alone.
const selectAssets = "SELECT a.id, a.tenant_id, a.sha256, a.format, a.width, a.height, a.pages, a.bytes, a.name, a.exif, a.created_at, a.levels, a.kind, a.video, a.region, " +
	"an.faces, an.detector, an.phash, an.dhash, an.blurhash, an.colors, an.analyzed_at " +
	"FROM assets a LEFT JOIN asset_analysis an ON an.asset_id = a.id "

// CreateAsset stores a. An existing ID is refused with
// easel.CodeInvalidArgument; a missing tenant gives easel.CodeNotFound.
func (s *Store) CreateAsset(ctx context.Context, a easel.Asset) error {
	return s.insertAsset(ctx, s.write, a)
}

// insertAsset inserts a through db (the store or a transaction).
func (s *Store) insertAsset(ctx context.Context, db Conn, a easel.Asset) error {
	if a.ID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "asset ID is empty")
	}
	created, err := toNanos(a.CreatedAt, "asset created_at")
	if err != nil {
		return err
	}
	var exif sql.NullString
	if len(a.EXIF) > 0 {
		b, err := json.Marshal(a.EXIF)
		if err != nil {
			return s.errorf("create asset %q: encode exif: %w", a.ID, err)
		}
		exif = sql.NullString{String: string(b), Valid: true}
	}
	kind := a.Kind
	if kind == "" {
		kind = easel.KindImage
	}
	var video sql.NullString
	if a.Video != nil {
		b, err := json.Marshal(a.Video)
		if err != nil {
			return s.errorf("create asset %q: encode video: %w", a.ID, err)
		}
		video = sql.NullString{String: string(b), Valid: true}
	}
	_, err = db.ExecContext(ctx, "INSERT INTO assets ("+assetColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.TenantID, a.SHA256, a.Format, a.Width, a.Height, a.Pages, a.Bytes, a.Name, exif, created, kind, video, a.Region)
	switch {
	case err == nil:
		return nil
	case s.d.IsPrimaryKeyViolation(err):
		return easel.Errorf(easel.CodeInvalidArgument, "asset %s already exists", a.ID)
	case s.d.IsForeignKeyViolation(err):
		return easel.Errorf(easel.CodeNotFound, "tenant %s not found", a.TenantID)
	default:
		return s.errorf("create asset %q: %w", a.ID, err)
	}
}

// GetAsset returns the asset with the given ID, whichever tenant owns it.
func (s *Store) GetAsset(ctx context.Context, id string) (easel.Asset, error) {
	a, err := scanAsset(s.read.QueryRowContext(ctx, selectAssets+"WHERE a.id = ?", id))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "asset %s not found", id)
		}
		return easel.Asset{}, s.errorf("get asset %q: %w", id, err)
	}
	return a, nil
}

// ListAssets returns a tenant's assets, newest first (by descending ID), a
// page at a time. page.Limit defaults to DefaultPageLimit and is clamped to
// MaxPageLimit. The cursor is the base64url-encoded ID of the last asset of
// the page before; an undecodable one gives easel.CodeInvalidArgument.
func (s *Store) ListAssets(ctx context.Context, tenantID string, page easel.ListPage) ([]easel.Asset, string, error) {
	limit := page.Limit
	switch {
	case limit <= 0:
		limit = DefaultPageLimit
	case limit > MaxPageLimit:
		limit = MaxPageLimit
	}
	query := selectAssets + "WHERE a.tenant_id = ? ORDER BY a.id DESC LIMIT ?"
	args := []any{tenantID, limit + 1}
	if page.Cursor != "" {
		after, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		query = selectAssets + "WHERE a.tenant_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?"
		args = []any{tenantID, after, limit + 1}
	}

	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", s.errorf("list assets of %q: %w", tenantID, err)
	}
	defer rows.Close()
	assets := make([]easel.Asset, 0, min(limit+1, 64))
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, "", s.errorf("list assets of %q: %w", tenantID, err)
		}
		assets = append(assets, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.errorf("list assets of %q: %w", tenantID, err)
	}

	var next string
	if len(assets) > limit {
		assets = assets[:limit]
		next = encodeCursor(assets[limit-1].ID)
	}
	return assets, next, nil
}

// DeleteAsset removes the asset, with its analysis and pHash bands
// (ON DELETE CASCADE), and reports how many assets, of any tenant,
// still reference the same original (SHA256).
func (s *Store) DeleteAsset(ctx context.Context, id string) (int, error) {
	var remaining int
	err := s.inTx(ctx, func(tx Conn) error {
		var sha string
		if err := tx.QueryRowContext(ctx, "SELECT sha256 FROM assets WHERE id = ?", id).Scan(&sha); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return easel.Errorf(easel.CodeNotFound, "asset %s not found", id)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM assets WHERE id = ?", id); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM assets WHERE sha256 = ?", sha).Scan(&remaining)
	})
	if err != nil {
		if easel.IsNotFound(err) {
			return 0, err
		}
		return 0, s.errorf("delete asset %q: %w", id, err)
	}
	return remaining, nil
}

// scanAsset reads a row of selectAssets.
func scanAsset(sc scanner) (easel.Asset, error) {
	var (
		a       easel.Asset
		exif    sql.NullString
		created int64
		levels  sql.NullString
		video   sql.NullString
		an      analysisCols
	)
	dest := append([]any{&a.ID, &a.TenantID, &a.SHA256, &a.Format, &a.Width, &a.Height, &a.Pages,
		&a.Bytes, &a.Name, &exif, &created, &levels, &a.Kind, &video, &a.Region}, an.dest()...)
	if err := sc.Scan(dest...); err != nil {
		return easel.Asset{}, err
	}
	if exif.Valid {
		if err := json.Unmarshal([]byte(exif.String), &a.EXIF); err != nil {
			return easel.Asset{}, fmt.Errorf("asset %s: bad stored exif: %w", a.ID, err)
		}
		if len(a.EXIF) == 0 {
			a.EXIF = nil
		}
	}
	a.CreatedAt = fromNanos(created)
	if video.Valid {
		a.Video = new(easel.Video)
		if err := json.Unmarshal([]byte(video.String), a.Video); err != nil {
			return easel.Asset{}, fmt.Errorf("asset %s: bad stored video: %w", a.ID, err)
		}
	}
	if err := scanLevels(&a, levels); err != nil {
		return easel.Asset{}, err
	}
	analysis, err := an.analysis()
	if err != nil {
		return easel.Asset{}, fmt.Errorf("asset %s: %w", a.ID, err)
	}
	a.Analysis = analysis
	return a, nil
}
