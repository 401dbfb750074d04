package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/easelhq/easel/internal/meta/sqlstore"
)

// dialect is how the shared store talks to PostgreSQL: conn rewrites the
// '?' placeholders, constraint violations are told apart by SQLSTATE and
// constraint name, and UpdateTask locks the task's row, since concurrent
// write transactions run at READ COMMITTED.
var dialect = sqlstore.Dialect{
	Name: "postgres meta",
	// A unique violation of a table's primary key (PostgreSQL names it
	// <table>_pkey).
	IsPrimaryKeyViolation: func(err error) bool {
		pe := pgError(err)
		return pe != nil && pe.Code == "23505" && strings.HasSuffix(pe.ConstraintName, "_pkey")
	},
	IsUniqueViolation: func(err error) bool {
		pe := pgError(err)
		return pe != nil && pe.Code == "23505" && !strings.HasSuffix(pe.ConstraintName, "_pkey")
	},
	IsForeignKeyViolation: func(err error) bool {
		pe := pgError(err)
		return pe != nil && pe.Code == "23503"
	},
	LockRows: true,
}

// pgError returns the server error in err, or nil.
func pgError(err error) *pgconn.PgError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}
