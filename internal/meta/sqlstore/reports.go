package sqlstore

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/easelhq/easel"
)

var _ easel.ReportStore = (*Store)(nil)

const upsertReportMinuteSQL = `INSERT INTO report_minutes (tenant_id, minute, group_key, source, stage, effect, region, network, country, app_version, failed_stage,
 count, bytes, upload_n, upload_sum, wait_n, wait_sum, download_n, download_sum, total_n, total_sum)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
 ON CONFLICT (tenant_id, minute, group_key) DO UPDATE SET
 count = report_minutes.count + excluded.count, bytes = report_minutes.bytes + excluded.bytes,
 upload_n = report_minutes.upload_n + excluded.upload_n, upload_sum = report_minutes.upload_sum + excluded.upload_sum,
 wait_n = report_minutes.wait_n + excluded.wait_n, wait_sum = report_minutes.wait_sum + excluded.wait_sum,
 download_n = report_minutes.download_n + excluded.download_n, download_sum = report_minutes.download_sum + excluded.download_sum,
 total_n = report_minutes.total_n + excluded.total_n, total_sum = report_minutes.total_sum + excluded.total_sum`

const upsertReportBucketSQL = `INSERT INTO report_buckets (tenant_id, minute, group_key, measure, bucket, count) VALUES (?, ?, ?, ?, ?, ?)
 ON CONFLICT (tenant_id, minute, group_key, measure, bucket) DO UPDATE SET count = report_buckets.count + excluded.count`

// AddReportMinutes implements easel.ReportStore. Rows are written in key
// order, so concurrent batches lock them in the same order.
func (s *Store) AddReportMinutes(ctx context.Context, ms []easel.ReportMinute) error {
	if len(ms) == 0 {
		return nil
	}
	type row struct {
		m   *easel.ReportMinute
		min int64
		key string
	}
	rows := make([]row, len(ms))
	for i := range ms {
		m := &ms[i]
		if m.Minute.IsZero() || m.TenantID == "" {
			return easel.Errorf(easel.CodeInvalidArgument, "report minute: tenant and minute are required")
		}
		rows[i] = row{m: m, min: m.Minute.UTC().Truncate(time.Minute).UnixNano(), key: m.Group.Key()}
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.m.TenantID != b.m.TenantID {
			return a.m.TenantID < b.m.TenantID
		}
		if a.min != b.min {
			return a.min < b.min
		}
		return a.key < b.key
	})
	err := s.inTx(ctx, func(tx Conn) error {
		for _, r := range rows {
			m, g := r.m, r.m.Group
			if _, err := tx.ExecContext(ctx, upsertReportMinuteSQL, m.TenantID, r.min, r.key,
				g.Source, g.Stage, g.Effect, g.Region, g.Network, g.Country, g.AppVersion, g.FailedStage, m.Count, m.Bytes,
				m.N[0], m.Sum[0], m.N[1], m.Sum[1], m.N[2], m.Sum[2], m.N[3], m.Sum[3]); err != nil {
				return err
			}
			for measure, buckets := range m.Buckets {
				idx := make([]int, 0, len(buckets))
				for b := range buckets {
					idx = append(idx, b)
				}
				sort.Ints(idx)
				for _, b := range idx {
					if _, err := tx.ExecContext(ctx, upsertReportBucketSQL, m.TenantID, r.min, r.key, measure, b, buckets[b]); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case s.d.IsForeignKeyViolation(err):
		return easel.Errorf(easel.CodeNotFound, "tenant not found")
	}
	var ee *easel.Error
	if errors.As(err, &ee) {
		return err
	}
	return s.errorf("add report minutes: %w", err)
}

// ReportMinutes implements easel.ReportStore.
func (s *Store) ReportMinutes(ctx context.Context, tenantID string, from, to time.Time) ([]easel.ReportMinute, error) {
	lo, hi := from.UnixNano(), to.UnixNano()
	rows, err := s.read.QueryContext(ctx, `SELECT minute, group_key, source, stage, effect, region, network, country, app_version, failed_stage,
 count, bytes, upload_n, upload_sum, wait_n, wait_sum, download_n, download_sum, total_n, total_sum
 FROM report_minutes WHERE tenant_id = ? AND minute >= ? AND minute < ? ORDER BY minute, group_key`, tenantID, lo, hi)
	if err != nil {
		return nil, s.errorf("report minutes: %w", err)
	}
	defer rows.Close()
	type id struct {
		min int64
		key string
	}
	var out []easel.ReportMinute
	index := map[id]int{}
	for rows.Next() {
		var (
			m   easel.ReportMinute
			min int64
			key string
			g   = &m.Group
		)
		if err := rows.Scan(&min, &key, &g.Source, &g.Stage, &g.Effect, &g.Region, &g.Network, &g.Country, &g.AppVersion, &g.FailedStage,
			&m.Count, &m.Bytes, &m.N[0], &m.Sum[0], &m.N[1], &m.Sum[1], &m.N[2], &m.Sum[2], &m.N[3], &m.Sum[3]); err != nil {
			return nil, s.errorf("report minutes: %w", err)
		}
		m.TenantID, m.Minute = tenantID, time.Unix(0, min).UTC()
		index[id{min, key}] = len(out)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("report minutes: %w", err)
	}
	rows.Close()
	brows, err := s.read.QueryContext(ctx, `SELECT minute, group_key, measure, bucket, count FROM report_buckets
 WHERE tenant_id = ? AND minute >= ? AND minute < ?`, tenantID, lo, hi)
	if err != nil {
		return nil, s.errorf("report buckets: %w", err)
	}
	defer brows.Close()
	for brows.Next() {
		var (
			min             int64
			key             string
			measure, bucket int
			count           int64
		)
		if err := brows.Scan(&min, &key, &measure, &bucket, &count); err != nil {
			return nil, s.errorf("report buckets: %w", err)
		}
		i, ok := index[id{min, key}]
		if !ok || measure < 0 || measure >= easel.Measures {
			continue // a minute written between the two queries
		}
		if out[i].Buckets[measure] == nil {
			out[i].Buckets[measure] = map[int]int64{}
		}
		out[i].Buckets[measure][bucket] += count
	}
	if err := brows.Err(); err != nil {
		return nil, s.errorf("report buckets: %w", err)
	}
	return out, nil
}

// PurgeReportMinutes implements easel.ReportStore.
func (s *Store) PurgeReportMinutes(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx Conn) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM report_buckets WHERE minute < ?", before.UnixNano()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM report_minutes WHERE minute < ?", before.UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, s.errorf("purge report minutes: %w", err)
	}
	return n, nil
}
