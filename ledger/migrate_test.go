package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"clockface/ledger"
)

func migrationFile(sql string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("-- +goose Up\n" + sql + "\n")}
}

var (
	migV1 = fstest.MapFS{"migrations/0001_a.sql": migrationFile(`CREATE TABLE a (x INTEGER);`)}
	migV2 = fstest.MapFS{
		"migrations/0001_a.sql": migV1["migrations/0001_a.sql"],
		"migrations/0002_b.sql": migrationFile("CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);"),
	}
)

// dbState reads what the runner leaves behind: the tables (goose's own
// excluded), goose's applied versions and PRAGMA user_version.
func dbState(t *testing.T, path string) (tables, gooseVersions string, userVersion int) {
	t.Helper()
	db := ledger.OpenDB(path)
	defer db.Close()
	list := func(q string) string {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return strings.Join(out, ",")
	}
	tables = list(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('goose_db_version', 'sqlite_sequence') ORDER BY name`)
	var n int
	db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'goose_db_version'`).Scan(&n)
	if n > 0 {
		gooseVersions = list(`SELECT version_id FROM goose_db_version WHERE is_applied ORDER BY version_id`)
	}
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&userVersion); err != nil {
		t.Fatal(err)
	}
	return tables, gooseVersions, userVersion
}

func runMigrations(path string, fsys fstest.MapFS) error {
	db := ledger.OpenDB(path)
	defer db.Close()
	return ledger.RunMigrationsFS(context.Background(), db, fsys)
}

func TestMigrationRunner(t *testing.T) {
	broken := fstest.MapFS{
		"migrations/0001_a.sql": migV1["migrations/0001_a.sql"],
		"migrations/0002_b.sql": migrationFile("CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);"),
	}
	path := filepath.Join(t.TempDir(), "m.db")
	check := func(what, wantTables, wantGoose string, wantVersion int) {
		t.Helper()
		tables, gv, uv := dbState(t, path)
		if tables != wantTables || gv != wantGoose || uv != wantVersion {
			t.Errorf("%s: tables %q, goose versions %q, user_version %d; want %q, %q, %d",
				what, tables, gv, uv, wantTables, wantGoose, wantVersion)
		}
	}

	if err := runMigrations(path, migV1); err != nil {
		t.Fatal(err)
	}
	check("v1", "a", "0,1", 1)
	// A failing migration rolls back whole: no table b, version stays 1.
	if err := runMigrations(path, broken); err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Errorf("broken migration: got %v, want an error naming it", err)
	}
	check("after a failed migration", "a", "0,1", 1)
	if err := runMigrations(path, migV2); err != nil {
		t.Fatal(err)
	}
	// Running again applies nothing twice.
	if err := runMigrations(path, migV2); err != nil {
		t.Fatal(err)
	}
	check("v2 twice", "a,b", "0,1,2", 2)
	db := ledger.OpenDB(path)
	var rows int
	db.QueryRow(`SELECT count(*) FROM a`).Scan(&rows)
	db.Close()
	if rows != 1 {
		t.Errorf("table a has %d rows, want 1", rows)
	}
	// An older program refuses the newer database.
	if err := runMigrations(path, migV1); !errors.Is(err, ledger.ErrNewerSchema) || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "up to 1") {
		t.Errorf("older runner: got %v, want ErrNewerSchema naming 2 and 1", err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap": {
			"migrations/0001_a.sql": migV1["migrations/0001_a.sql"],
			"migrations/0003_c.sql": migrationFile(`SELECT 1;`),
		},
		"bad name":         {"migrations/first.sql": migrationFile(`SELECT 1;`)},
		"no goose comment": {"migrations/0001_a.sql": &fstest.MapFile{Data: []byte("CREATE TABLE c (z INTEGER);\n")}},
	} {
		if err := runMigrations(filepath.Join(t.TempDir(), "x.db"), fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A newer database is refused before goose runs: goose would create its
// table, skip versions it does not know, or call them out of order.
func TestMigrationRunnerRefusesNewerUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name, setup, version string
	}{
		{"goose version unknown here", `INSERT INTO goose_db_version (version_id, is_applied) VALUES (7, 1)`, "7"},
		{"goose version beyond one not applied", `DELETE FROM goose_db_version WHERE version_id = 1; INSERT INTO goose_db_version (version_id, is_applied) VALUES (7, 1)`, "7"},
		{"user_version only", `DROP TABLE goose_db_version; PRAGMA user_version = 9`, "9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.db")
			if err := runMigrations(path, migV1); err != nil {
				t.Fatal(err)
			}
			db := ledger.OpenDB(path)
			if _, err := db.Exec(tc.setup); err != nil {
				t.Fatal(err)
			}
			db.Close()
			before := readFile(t, path)
			err := runMigrations(path, migV2)
			if !errors.Is(err, ledger.ErrNewerSchema) || !strings.Contains(err.Error(), "version "+tc.version) || !strings.Contains(err.Error(), "up to 2") {
				t.Errorf("got %v, want ErrNewerSchema naming %s and 2", err, tc.version)
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("refused database was modified")
			}
		})
	}
}

// A ledger migrated before goose has only PRAGMA user_version; Open records
// those versions in goose's table and applies the rest.
func TestOpenAdoptsLedgerWithoutGooseTable(t *testing.T) {
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "E1", "")
	l.Close()
	// Back to what the old runner left at version 1.
	db := ledger.OpenDB(e.path)
	for _, q := range append(undoV3,
		`DROP TABLE goose_db_version`,
		`DROP TRIGGER consents_need_kiosk_insert`,
		`DROP TRIGGER consents_need_kiosk_update`,
		`PRAGMA user_version = 1`,
	) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	l = e.open(t)
	defer l.Close()
	if _, err := l.Employee(context.Background(), "E1"); err != nil {
		t.Fatalf("after adoption: %v", err)
	}
	var versions string
	var triggers, uv int
	l.DB().QueryRow(`SELECT group_concat(version_id) FROM (SELECT version_id FROM goose_db_version ORDER BY version_id)`).Scan(&versions)
	l.DB().QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'consents_need_kiosk_%'`).Scan(&triggers)
	l.DB().QueryRow(`PRAGMA user_version`).Scan(&uv)
	want := "0"
	for v := 1; v <= ledger.SchemaVersion(); v++ {
		want += fmt.Sprintf(",%d", v)
	}
	if versions != want || triggers != 2 || uv != ledger.SchemaVersion() {
		t.Errorf("goose versions %q, kiosk triggers %d, user_version %d; want %q, 2, %d", versions, triggers, uv, want, ledger.SchemaVersion())
	}
}

// Two processes opening the ledger at the same moment both end at the
// latest version without an error: goose has no lock for SQLite, so the
// runner starts again when the other one applied a migration first.
func TestMigrationRunnerConcurrent(t *testing.T) {
	for range 10 {
		path := filepath.Join(t.TempDir(), "m.db")
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- runMigrations(path, migV2) }()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if tables, gv, uv := dbState(t, path); tables != "a,b" || gv != "0,1,2" || uv != 2 {
			t.Errorf("tables %q, goose versions %q, user_version %d; want a,b, 0,1,2, 2", tables, gv, uv)
		}
	}
}
