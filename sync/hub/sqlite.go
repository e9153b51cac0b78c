package hub

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
)

// OpenSQLite opens (creating if needed) the hub database at path: WAL,
// synchronous=FULL (an acknowledged batch survives power loss), one
// connection so writers queue in Go rather than spin on SQLITE_BUSY.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	q.Set("_foreign_keys", "on")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open hub db: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open hub db %s: %w", path, err)
	}
	s, err := newDB(ctx, db, sqliteDialect)
	if err != nil {
		return nil, fmt.Errorf("open hub db %s: %w", path, err)
	}
	return s, nil
}

// SQLitePragmas reports journal_mode and synchronous, for tests and
// `hub serve` start-up logging. It fails on a PostgreSQL store.
func (s *DB) SQLitePragmas(ctx context.Context) (journal string, synchronous int, err error) {
	if s.d.name != sqliteDialect.name {
		return "", 0, fmt.Errorf("sqlite pragmas: this is a %s store", s.d.name)
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
		return "", 0, fmt.Errorf("sqlite pragmas: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
		return "", 0, fmt.Errorf("sqlite pragmas: %w", err)
	}
	return journal, synchronous, nil
}
