package ledger_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"clockface/ledger"
)

func TestMigrationRunner(t *testing.T) {
	ctx := context.Background()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	v1 := fstest.MapFS{"migrations/0001_a.sql": file(`CREATE TABLE a (x INTEGER);`)}
	v2 := fstest.MapFS{
		"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
		"migrations/0002_b.sql": file(`CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);`),
	}
	broken := fstest.MapFS{
		"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
		"migrations/0002_b.sql": file(`CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);`),
	}
	gap := fstest.MapFS{
		"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
		"migrations/0003_c.sql": file(`SELECT 1;`),
	}
	badName := fstest.MapFS{"migrations/first.sql": file(`SELECT 1;`)}

	db := ledger.OpenDB(filepath.Join(t.TempDir(), "m.db"))
	defer db.Close()
	version := func() int {
		var v int
		if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	tables := func() string {
		rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		return strings.Join(names, ",")
	}

	if err := ledger.RunMigrationsFS(ctx, db, v1); err != nil {
		t.Fatal(err)
	}
	if got, want := version(), 1; got != want {
		t.Errorf("version %d, want %d", got, want)
	}
	// A failing migration rolls back whole: no table b, version stays 1.
	if err := ledger.RunMigrationsFS(ctx, db, broken); err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Errorf("broken migration: got %v, want an error naming it", err)
	}
	if got, want := tables(), "a"; got != want || version() != 1 {
		t.Errorf("after a failed migration: tables %q version %d, want %q and 1", got, version(), want)
	}
	if err := ledger.RunMigrationsFS(ctx, db, v2); err != nil {
		t.Fatal(err)
	}
	// Running again applies nothing twice.
	if err := ledger.RunMigrationsFS(ctx, db, v2); err != nil {
		t.Fatal(err)
	}
	var rows int
	db.QueryRow(`SELECT count(*) FROM a`).Scan(&rows)
	if got, want := tables(), "a,b"; got != want || version() != 2 || rows != 1 {
		t.Errorf("tables %q version %d rows %d, want %q, 2, 1", got, version(), rows, want)
	}
	// An older program refuses the newer database.
	if err := ledger.RunMigrationsFS(ctx, db, v1); !errors.Is(err, ledger.ErrNewerSchema) || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "up to 1") {
		t.Errorf("older runner: got %v, want ErrNewerSchema naming 2 and 1", err)
	}
	for name, fsys := range map[string]fstest.MapFS{"gap": gap, "bad name": badName} {
		if err := ledger.RunMigrationsFS(ctx, db, fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
