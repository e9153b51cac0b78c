package hub

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"clockface/sync/wire"
)

// DB is the hub database, SQLite or PostgreSQL: one SQL core for both.
// Queries are written once with ? placeholders; the dialect turns them into
// $n for PostgreSQL and picks its bulk inserts. Times are stored as Unix
// nanoseconds (BIGINT) so both engines agree exactly. *DB implements every
// store interface of this package; it is safe for concurrent use.
type DB struct {
	db *sql.DB
	d  dialect
	// stmts are the full-batch multi-row inserts, parsed once: filled at
	// open, read-only after, so concurrent reads need no lock.
	stmts map[string]*sql.Stmt
}

// Every user's interface is a view of *DB.
var (
	_ ServerStore = (*DB)(nil)
	_ Pairing     = (*DB)(nil)
	_ ExportReads = (*DB)(nil)
)

// dialect is everything that differs between the two engines, in one
// place.
type dialect struct {
	name   string        // for messages: "sqlite" or "postgres"
	goose  goose.Dialect // which SQL goose writes for its version table
	dollar bool          // $1, $2 … placeholders instead of ?
	// arrays: bulk inserts pass one array per column (unnest) rather
	// than a multi-row VALUES list prepared once at open.
	arrays bool
	// versionTableExists asks whether goose's table exists (in the
	// current schema), without creating it.
	versionTableExists string
	// advisoryLock: hold a database lock while migrating (PostgreSQL).
	// SQLite has none for goose; migrate retries instead.
	advisoryLock bool
	// migrations, if set, replaces the shared migrations folder.
	migrations fs.FS
}

var (
	sqliteDialect = dialect{name: "sqlite", goose: goose.DialectSQLite3,
		versionTableExists: `SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = '` + goose.DefaultTablename + `'`}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, dollar: true, arrays: true, advisoryLock: true,
		versionTableExists: `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = '` + goose.DefaultTablename + `')`}
)

// newDB migrates db and prepares what the dialect prepares at open. It
// closes db on failure.
func newDB(ctx context.Context, db *sql.DB, d dialect) (*DB, error) {
	s := &DB{db: db, d: d, stmts: map[string]*sql.Stmt{}}
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, err
	}
	if !d.arrays {
		if err := s.prepareFull(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// prepared returns tx's handle on the statement for query: for a full
// batch (the common case) the one prepared at open, so the long
// multi-row INSERT is parsed once; otherwise prepared in tx.
func (s *DB) prepared(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, s.rebind(query))
}

// prepareFull prepares the full-batch inserts outside any transaction
// (SQLite has one connection, so this cannot happen inside one).
func (s *DB) prepareFull(ctx context.Context) error {
	for _, q := range []string{eventsInsert(wire.MaxBatchEvents), punchesInsert(wire.MaxBatchEvents)} {
		st, err := s.db.PrepareContext(ctx, s.rebind(q))
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		s.stmts[q] = st
	}
	return nil
}

// rebind writes query's ? placeholders as the dialect wants them.
func (s *DB) rebind(q string) string { return s.d.rebind(q) }

func (d dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *DB) exec(ctx context.Context, q execer, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.rebind(query), args...)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func fromNullNanos(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

func (s *DB) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM kiosks), (SELECT COUNT(*) FROM events),
		(SELECT COUNT(*) FROM punches), (SELECT COUNT(*) FROM skew_flags),
		(SELECT COUNT(*) FROM audit_flags)`).Scan(&st.Kiosks, &st.Events, &st.Punches, &st.SkewFlags, &st.AuditFlags)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

func (s *DB) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

func (s *DB) Close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	return s.db.Close()
}
