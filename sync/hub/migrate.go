package hub

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are embedded goose SQL files (github.com/pressly/goose/v3),
// named NNNN_what.sql and numbered from 1 without gaps, run by both
// dialects. goose runs each in its own transaction together with the row
// that records it in goose_db_version, so a crash leaves the schema at one
// version or the next. A migration that needs different SQL per engine
// goes in a dialect's own folder (dialect.migrations).
//
// 0001 is the schema the hub created, unversioned, before goose, written
// with IF NOT EXISTS throughout: on a database made by that SQL it changes
// nothing, so such a database is adopted as version 1.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrNewerSchema says the hub database was written by a newer clockface.
var ErrNewerSchema = errors.New("hub database schema is newer than this program")

// migrationsDir is the folder of migrations that every dialect runs.
func migrationsDir() fs.FS {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // only for an invalid literal path
	}
	return sub
}

// SchemaVersion is the hub schema version this program writes.
func SchemaVersion() int {
	n, err := checkSources(migrationsDir())
	if err != nil {
		return 0
	}
	return n
}

// checkSources returns the number of migrations in fsys. goose skips
// files whose names do not parse and accepts gaps; the hub wants neither.
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

// migrate brings db to the latest schema. It reads the version first,
// without writing (every goose call starts by creating its table), and
// refuses a newer database, naming both versions, leaving it untouched.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	fsys := d.migrations
	if fsys == nil {
		fsys = migrationsDir()
	}
	latest, err := checkSources(fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	cur, err := readVersion(ctx, db, d)
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if cur > int64(latest) {
		return fmt.Errorf("migrate: %s database schema version %d, this program knows up to %d: %w", d.name, cur, latest, ErrNewerSchema)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if d.advisoryLock {
		locker, err := migrationLocker(ctx, db)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(d.goose, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return up(ctx, db, d, p, latest)
}

// up runs the pending migrations. SQLite has no lock for goose: a process
// opening the same file at the same moment may apply a migration first,
// and ours then fails on it; start again from the version it recorded.
func up(ctx context.Context, db *sql.DB, d dialect, p *goose.Provider, latest int) error {
	var err error
	// A migration that really fails fails the same way every time and is
	// reported after the last try; one another opener applied first passes
	// on the next (each try is its own transaction).
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
	return nil
}

// readVersion returns the highest version goose recorded, 0 for a
// database without goose's table (new, or made by the unversioned SQL).
func readVersion(ctx context.Context, db *sql.DB, d dialect) (int64, error) {
	var has bool
	if err := db.QueryRowContext(ctx, d.versionTableExists).Scan(&has); err != nil || !has {
		return 0, err
	}
	var v int64
	err := db.QueryRowContext(ctx, "SELECT coalesce(max(version_id), 0) FROM "+goose.DefaultTablename).Scan(&v)
	return v, err
}

// migrationLocker is a PostgreSQL advisory lock held while migrating, so
// two hubs starting together do not both migrate. Its id is derived from
// the schema, so hubs in different schemas of one database do not wait
// for each other.
func migrationLocker(ctx context.Context, db *sql.DB) (lock.SessionLocker, error) {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("current schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("clockface hub migrations\x00" + schema))
	// Probe every second, for up to 5 minutes.
	return lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 300))
}
