package ledger

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// Migrations are embedded goose SQL files (github.com/pressly/goose/v3),
// named NNNN_what.sql and numbered from 1 without gaps. goose runs each in
// its own transaction together with the row that records it in
// goose_db_version, so a crash leaves the schema at one version or the next,
// never between. PRAGMA user_version mirrors goose's version after each
// successful run, for tools and for builds older than goose.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrNewerSchema says the database was written by a newer clockface.
var ErrNewerSchema = errors.New("database schema is newer than this program")

// checkSources returns the number of migrations under fsys (the files
// themselves, not the migrations/ folder). goose skips files whose names do
// not parse and accepts gaps; the ledger wants neither.
func checkSources(fsys fs.FS) (int, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return 0, err
	}
	var vs []int64
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", n, err)
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	for i, v := range vs {
		if v != int64(i+1) {
			return 0, fmt.Errorf("migration version %d: want %d (no gaps or duplicates)", v, i+1)
		}
	}
	return len(vs), nil
}

func migrationsDir(fsys fs.FS) fs.FS {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		panic(err) // only for an invalid literal path
	}
	return sub
}

// SchemaVersion is the schema version this program writes.
func SchemaVersion() int {
	n, err := checkSources(migrationsDir(migrationFS))
	if err != nil {
		return 0
	}
	return n
}

func migrate(ctx context.Context, db *sql.DB) error {
	return runMigrations(ctx, db, migrationsDir(migrationFS))
}

func runMigrations(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	latest, err := checkSources(fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Read the version without writing: every goose call first creates its
	// table, and a newer database must be left exactly as it is. goose would
	// also skip versions it does not know, or report them as out of order.
	userVersion, gooseVersion, hasTable, err := readVersionsWhenFree(ctx, db)
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if cur := max(userVersion, gooseVersion); cur > int64(latest) {
		return fmt.Errorf("migrate: database schema version %d, this program knows up to %d: %w", cur, latest, ErrNewerSchema)
	}
	if !hasTable && userVersion > 0 {
		if err := adoptUserVersion(ctx, db, userVersion); err != nil {
			return fmt.Errorf("migrate: record version %d from PRAGMA user_version: %w", userVersion, err)
		}
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// goose has no lock for SQLite: a process opening the ledger at the same
	// moment may apply a migration first, and ours then fails on it. Start
	// again from the version the database holds; a migration that really
	// fails fails the same way every time and is reported after the last
	// try (each try is its own transaction, rolled back).
	var pe *goose.PartialError
	for range latest + 1 {
		if _, err = p.Up(ctx); !errors.As(err, &pe) {
			break
		}
	}
	if errors.As(err, &pe) {
		return fmt.Errorf("migrate %s: %w", path.Base(pe.Failed.Source.Path), pe.Err)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if v != userVersion {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

// busyRetries and busyRetryWait bound readVersionsWhenFree's tries.
const (
	busyRetries   = 50
	busyRetryWait = 20 * time.Millisecond
)

// readVersionsWhenFree is readVersions, tried again for about a second
// while SQLite answers "database is locked": when another process creates
// the same new ledger at the same moment, the first connection's switch to
// WAL needs a lock the other holds, and SQLite refuses it at once instead
// of waiting out the busy timeout.
func readVersionsWhenFree(ctx context.Context, db *sql.DB) (userVersion, gooseVersion int64, hasTable bool, err error) {
	for try := 0; ; try++ {
		userVersion, gooseVersion, hasTable, err = readVersions(ctx, db)
		if !isBusy(err) || try == busyRetries {
			return userVersion, gooseVersion, hasTable, err
		}
		select {
		case <-ctx.Done():
			return 0, 0, false, errors.Join(err, ctx.Err())
		case <-time.After(busyRetryWait):
		}
	}
}

func readVersions(ctx context.Context, db *sql.DB) (userVersion, gooseVersion int64, hasTable bool, err error) {
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&userVersion); err != nil {
		return 0, 0, false, err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?",
		goose.DefaultTablename).Scan(&hasTable); err != nil || !hasTable {
		return userVersion, 0, false, err
	}
	err = db.QueryRowContext(ctx, "SELECT coalesce(max(version_id), 0) FROM "+goose.DefaultTablename).Scan(&gooseVersion)
	return userVersion, gooseVersion, true, err
}

// adoptUserVersion gives a ledger migrated before goose (PRAGMA user_version
// only) goose's table, recording versions 0..v as applied, in one
// transaction.
func adoptUserVersion(ctx context.Context, db *sql.DB, v int64) error {
	store, err := database.NewStore(goose.DialectSQLite3, goose.DefaultTablename)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have done it since readVersions.
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?",
		goose.DefaultTablename).Scan(&exists); err != nil || exists {
		return err
	}
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for i := int64(0); i <= v; i++ {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: i}); err != nil {
			return err
		}
	}
	return tx.Commit()
}
