// Package store keeps the dashboard's users, sessions, login throttling and
// audit chain in SQL: SQLite (mattn/go-sqlite3) or PostgreSQL (pgx), in the
// hub's database beside the hub's tables. The schema is goose migrations
// embedded here, recorded in their own table, dashboard_db_version, so the
// hub's migrations and these never see each other's versions.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"clockface"
	"clockface/dashboard"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// VersionTable is goose's version table for the dashboard's migrations.
const VersionTable = "dashboard_db_version"

// SQL is the dashboard store on database/sql.
type SQL struct {
	db     *sql.DB
	pg     bool
	clock  clockface.Clock
	closer bool
}

var _ dashboard.Store = (*SQL)(nil)

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// IsPostgresURL reports whether a --db value names PostgreSQL rather than
// a SQLite file (the hub's rule).
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open opens the database a --db value names (a postgres:// URL with an
// optional schema, or a SQLite file, created if missing), migrates it and
// returns the store. Close closes the database.
func Open(ctx context.Context, db, pgSchema string, clock clockface.Clock) (*SQL, error) {
	var (
		sdb *sql.DB
		pg  bool
		err error
	)
	if IsPostgresURL(db) {
		sdb, err = openPostgres(ctx, db, pgSchema)
		pg = true
	} else {
		sdb, err = openSQLite(ctx, db)
	}
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, sdb, pg, clock)
	if err != nil {
		sdb.Close()
		return nil, err
	}
	s.closer = true
	return s, nil
}

// New migrates and wraps an open database (pg says it is PostgreSQL).
// Close then leaves db open: its owner closes it.
func New(ctx context.Context, db *sql.DB, pg bool, clock clockface.Clock) (*SQL, error) {
	s := &SQL{db: db, pg: pg, clock: clock}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the database if Open opened it.
func (s *SQL) Close() error {
	if !s.closer {
		return nil
	}
	return s.db.Close()
}

// DB is the underlying database, for tests that tamper with rows.
func (s *SQL) DB() *sql.DB { return s.db }

func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	q.Set("_foreign_keys", "on")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open dashboard db: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open dashboard db %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn, schema string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	if schema != "" {
		if !schemaName.MatchString(schema) {
			return nil, fmt.Errorf("bad schema name %q", schema)
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("connect postgres: %w", err)
		}
		_, err = conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema)
		conn.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("create schema %s: %w", schema, err)
		}
		cfg.RuntimeParams["search_path"] = schema
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return db, nil
}

func (s *SQL) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("migrate dashboard: %w", err)
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithTableName(VersionTable)}
	if s.pg {
		dialect = goose.DialectPostgres
		// A lock id of our own: the hub's migrations may run at the same time.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(0x636c6b6664617368)) // "clkfdash"
		if err != nil {
			return fmt.Errorf("migrate dashboard: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrate dashboard: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate dashboard: %w", err)
	}
	return nil
}

// q rewrites ? placeholders as $1, $2... for PostgreSQL.
func (s *SQL) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// tx runs f in a transaction and commits it.
func (s *SQL) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505")
}

var errNoRows = sql.ErrNoRows

func notFound(err error, what string) error {
	if errors.Is(err, errNoRows) {
		return fmt.Errorf("%s: %w", what, dashboard.ErrNotFound)
	}
	return err
}
