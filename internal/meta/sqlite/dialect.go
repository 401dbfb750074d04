package sqlite

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/easelhq/easel/internal/meta/sqlstore"
)

// dialect is how the shared store talks to SQLite: the driver takes '?'
// placeholders as written, and the single write connection's IMMEDIATE
// transactions serialise writers, so no row needs locking.
var dialect = sqlstore.Dialect{
	Name: "sqlite meta",
	IsPrimaryKeyViolation: func(err error) bool {
		return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	IsUniqueViolation: func(err error) bool {
		return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	},
	IsForeignKeyViolation: func(err error) bool {
		return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	},
}

// sqliteCode returns the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}
