package hub_test

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the raw handle on a SQLite file

	"clockface/internal/pgtest"
	"clockface/sync/hub"
	"clockface/sync/wire"
)

// unversionedSchema is the SQL the hub ran on every open before goose.
//
//go:embed testdata/unversioned_schema.sql
var unversionedSchema string

// rawCase is an empty database of each engine, reachable raw (to build an
// old or a newer schema below the store) and as a hub store.
type rawCase struct {
	name  string
	fresh func(t *testing.T) (raw func() *sql.DB, open func() (*hub.DB, error))
}

var rawCases = []rawCase{
	{"sqlite", func(t *testing.T) (func() *sql.DB, func() (*hub.DB, error)) {
		path := filepath.Join(t.TempDir(), "hub.db")
		raw := func() *sql.DB {
			db, err := sql.Open("sqlite3", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			t.Cleanup(func() { db.Close() })
			return db
		}
		return raw, func() (*hub.DB, error) { return hub.OpenSQLite(context.Background(), path) }
	}},
	{"postgres", func(t *testing.T) (func() *sql.DB, func() (*hub.DB, error)) {
		schema := pgtest.Schema(t, "hubmig")
		db := pgtest.Open(t, schema)
		if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatal(err)
		}
		return func() *sql.DB { return db }, func() (*hub.DB, error) {
			return hub.OpenPostgres(context.Background(), pgtest.URL(), schema)
		}
	}},
}

func execAll(t *testing.T, db *sql.DB, script string) {
	t.Helper()
	for _, stmt := range strings.Split(script, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", strings.TrimSpace(stmt), err)
		}
	}
}

func gooseVersion(t *testing.T, db *sql.DB) (max, rows int64) {
	t.Helper()
	if err := db.QueryRow("SELECT max(version_id), count(*) FROM goose_db_version").Scan(&max, &rows); err != nil {
		t.Fatal(err)
	}
	return max, rows
}

// TestAdoptUnversionedDatabase: a hub database made by the schema SQL the
// hub ran before goose opens as the current version with every row kept,
// and keeps working.
func TestAdoptUnversionedDatabase(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for _, rc := range rawCases {
		t.Run(rc.name, func(t *testing.T) {
			ctx := context.Background()
			raw, open := rc.fresh(t)
			old := raw()
			execAll(t, old, unversionedSchema)
			execAll(t, old, fmt.Sprintf(`
				INSERT INTO kiosks (id, secret, created_at, audit_seq, audit_hash) VALUES ('k1', '%s', 1, 7, 'aa07');
				INSERT INTO employees (number, name, status, updated_at) VALUES ('E1', 'Ann Lee', 'active', 1);
				INSERT INTO punches (id, employee, kind, method, at, kiosk_id, effective_at, received_at)
					VALUES ('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'E1', 'in', 'pin', %d, 'k1', %d, 1)`,
				base64.StdEncoding.EncodeToString(secret), at.UnixNano(), at.UnixNano()))
			if rc.name == "sqlite" {
				old.Close()
			}

			st, err := open()
			if err != nil {
				t.Fatalf("open the unversioned database: %v", err)
			}
			defer st.Close()
			if v, _ := gooseVersion(t, raw()); v != int64(hub.SchemaVersion()) {
				t.Errorf("got schema version %d, want %d", v, hub.SchemaVersion())
			}
			k, err := st.Kiosk(ctx, "k1")
			if err != nil || string(k.Secret) != string(secret) || k.AuditSeq != 7 {
				t.Errorf("kiosk k1: got %+v %v, want its secret and audit head kept", k, err)
			}
			ps, err := st.PunchesBetween(ctx, at, at.Add(time.Minute))
			if err != nil || len(ps) != 1 || ps[0].EmployeeNumber != "E1" {
				t.Errorf("punches: got %+v %v, want E1's", ps, err)
			}
			if es, err := st.Employees(ctx); err != nil || len(es) != 1 || es[0].Name != "Ann Lee" {
				t.Errorf("employees: got %+v %v, want Ann Lee", es, err)
			}
			// The adopted store takes batches; its audit head history was
			// backfilled, so a rewritten entry 7 is flagged.
			b := makeBatch("k1", "E1", at.Add(time.Hour), 2, 7)
			b.AuditHead = wire.AuditHead{Seq: 7, Hash: "ff07"}
			res, err := st.ApplyBatch(ctx, hub.Receipt{KioskID: "k1", Nonce: wire.NewNonce(), HubTime: at, Batch: b})
			if err != nil || res.Accepted != 2 || !strings.Contains(res.AuditFlag, "entry 7 was aa07") {
				t.Errorf("batch on the adopted store: got %+v %v, want 2 accepted and entry 7 flagged", res, err)
			}
			st.Close()
			again, err := open()
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			again.Close()
			if v, n := gooseVersion(t, raw()); v != int64(hub.SchemaVersion()) || n != int64(hub.SchemaVersion())+1 {
				t.Errorf("after reopening: got version %d in %d rows, want %d in %d", v, n, hub.SchemaVersion(), hub.SchemaVersion()+1)
			}
		})
	}
}

// TestNewerSchemaRefused: a database written by a newer clockface is
// refused, naming both versions, and left as it was.
func TestNewerSchemaRefused(t *testing.T) {
	known := hub.SchemaVersion()
	for _, rc := range rawCases {
		t.Run(rc.name, func(t *testing.T) {
			raw, open := rc.fresh(t)
			st, err := open()
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			db := raw()
			if _, err := db.Exec(fmt.Sprintf("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, true)", known+1)); err != nil {
				t.Fatal(err)
			}
			_, beforeRows := gooseVersion(t, db)
			if rc.name == "sqlite" {
				db.Close()
			}
			st, err = open()
			if err == nil {
				st.Close()
				t.Fatal("opened a newer schema: got no error")
			}
			want := fmt.Sprintf("schema version %d, this program knows up to %d", known+1, known)
			if !errors.Is(err, hub.ErrNewerSchema) || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want ErrNewerSchema saying %q", err, want)
			}
			if v, n := gooseVersion(t, raw()); v != int64(known+1) || n != beforeRows {
				t.Errorf("refused database changed: got version %d in %d rows, want %d in %d", v, n, known+1, beforeRows)
			}
		})
	}
}

// TestConcurrentFirstOpen: processes opening a new hub file at the same
// moment all succeed (goose has no lock for SQLite; the loser of a race
// picks up the version the winner recorded).
func TestConcurrentFirstOpen(t *testing.T) {
	for _, rc := range rawCases {
		t.Run(rc.name, func(t *testing.T) {
			raw, open := rc.fresh(t)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st, err := open()
					if err == nil {
						err = st.Close()
					}
					errs[i] = err
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("open %d: %v", i, err)
				}
			}
			if v, _ := gooseVersion(t, raw()); v != int64(hub.SchemaVersion()) {
				t.Errorf("got version %d, want %d", v, hub.SchemaVersion())
			}
		})
	}
}

// TestPunchesBetweenExactBounds: the export read is [from, to) on the
// effective (corrected) time, with no padding.
func TestPunchesBetweenExactBounds(t *testing.T) {
	from, to := t0, t0.Add(24*time.Hour)
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, sc.open(t))
			h.pair(t, "k1")
			b := makeBatch("k1", "E1", t0, 7, 0)
			times := []time.Time{from.Add(-time.Nanosecond), from, to.Add(-time.Nanosecond), to, from.Add(-time.Hour), to.Add(time.Hour), from}
			for i := range b.Events {
				b.Events[i].Punch.At, b.Events[i].At = times[i], times[i]
			}
			// The fifth punch was corrected into the range, the sixth and
			// second out of it.
			b.Events[4].Punch.Correction = &wire.Correction{At: from.Add(time.Hour), By: "mgr", Reason: "late", When: t0}
			b.Events[5].Punch.Correction = &wire.Correction{At: to.Add(2 * time.Hour), By: "mgr", Reason: "late", When: t0}
			b.Events[1].Punch.Correction = &wire.Correction{At: to, By: "mgr", Reason: "moved out", When: t0}
			if _, err := h.st.ApplyBatch(ctx, hub.Receipt{KioskID: "k1", Nonce: wire.NewNonce(), HubTime: t0, Batch: b}); err != nil {
				t.Fatal(err)
			}
			ps, err := h.st.PunchesBetween(ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.ID)
			}
			want := []string{b.Events[4].Punch.ID, b.Events[6].Punch.ID, b.Events[2].Punch.ID} // by original time
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("got punches %v, want %v (corrected into range, at from, at to-1ns)", got, want)
			}
		})
	}
}
