// Package pgtest gives the hub's tests a fresh schema on the test
// PostgreSQL server ($CLOCKFACE_TEST_PG; by default the local cluster that
// `make test` starts), dropped when the test ends. An unreachable server
// fails the test with a message saying how to start one: the PostgreSQL
// half of the store suite is never skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// URL is the test server's connection string.
func URL() string {
	if u := os.Getenv("CLOCKFACE_TEST_PG"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Schema returns the name of a new schema, prefix_<random>, and drops it
// (with everything in it) when the test ends. Register the cleanup of
// anything using the schema after calling Schema, so it runs first.
func Schema(t testing.TB, prefix string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatalf("postgres at %s: %v (start it with `make pg`, or point CLOCKFACE_TEST_PG at a server)", URL(), err)
	}
	conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, URL())
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// Open returns a database/sql handle on the test server whose search path
// is schema, closed when the test ends: for tests that build or inspect a
// schema below the store.
func Open(t testing.TB, schema string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(URL())
	if err != nil {
		t.Fatalf("postgres url %s: %v", URL(), err)
	}
	cfg.RuntimeParams["search_path"] = schema
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	return db
}
