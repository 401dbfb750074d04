package sqlstore

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// sharedMigrations are the schema changes whose SQL every dialect runs as
// it is. Times are BIGINT Unix nanoseconds (UTC), booleans INTEGER 0/1,
// structured values JSON in TEXT.
//
//go:embed migrations/*.sql
var sharedMigrations embed.FS

// Migration is one schema change.
type Migration struct {
	// Version orders the migrations; it is the file name's NNNN.
	Version int
	// Name is the file name, NNNN_description.sql.
	Name string
	// SQL is the file's statements.
	SQL string
}

// Migrations returns the shared migrations and the backend's own (the
// files migrations/*.sql of dialect, for the changes whose SQL differs) in
// version order. Versions must be unique and positive.
func Migrations(dialect fs.FS) ([]Migration, error) {
	var ms []Migration
	seen := map[int]string{}
	for _, fsys := range []fs.FS{sharedMigrations, dialect} {
		names, err := fs.Glob(fsys, "migrations/*.sql")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			base := strings.TrimPrefix(name, "migrations/")
			num, _, ok := strings.Cut(base, "_")
			if !ok {
				return nil, fmt.Errorf("migration %s: name is not NNNN_description.sql", base)
			}
			v, err := strconv.Atoi(num)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("migration %s: bad version %q", base, num)
			}
			if other, dup := seen[v]; dup {
				return nil, fmt.Errorf("migrations %s and %s share version %d", other, base, v)
			}
			seen[v] = base
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			ms = append(ms, Migration{Version: v, Name: base, SQL: string(b)})
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations")
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}
