package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

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
	// The database holds every kiosk's signing secret: 0600, and SQLite
	// gives its -wal and -shm files the main file's mode.
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open hub db %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?"+q.Encode())
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
	if err := checkPragmas(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open hub db %s: %w", path, err)
	}
	s, err := newDB(ctx, db, sqliteDialect)
	if err != nil {
		return nil, fmt.Errorf("open hub db %s: %w", path, err)
	}
	return s, nil
}

// escapePath makes path the path of a file: URI, as the ledger does: '?'
// and '#' would start the query or fragment ('data/h#a/hub.db' would open
// 'data/h', '?_synchronous=OFF' would turn durability off).
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// createPrivate creates path with mode 0600 if it does not exist, and
// takes group and other access away from it and its -wal and -shm files
// if it does (a database made by an older hub was 0644).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkPragmas confirms the connection runs as OpenSQLite asked:
// journal_mode=wal, synchronous=FULL (2), foreign_keys on.
func checkPragmas(ctx context.Context, db *sql.DB) error {
	var journal string
	var synchronous, fk int
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
		return fmt.Errorf("pragmas: %w", err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
		return fmt.Errorf("pragmas: %w", err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		return fmt.Errorf("pragmas: %w", err)
	}
	if journal != "wal" || synchronous != 2 || fk != 1 {
		return fmt.Errorf("pragmas: journal_mode=%s synchronous=%d foreign_keys=%d, want wal, 2 (FULL) and 1", journal, synchronous, fk)
	}
	return nil
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
