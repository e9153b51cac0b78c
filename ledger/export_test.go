package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"

	"clockface/embeddings"
)

// SetTestHook makes the ledger stop at the named step (see RotateKey) when
// f returns true, as a crash there would.
func SetTestHook(l *Ledger, f func(step string) bool) { l.testHook = f }

// ErrHook is what an operation stopped by a test hook returns.
var ErrHook = errHook

// BulkEnrol adds n employees E000000.. with a live consent and a sealed
// template of model m (samples × m.Dim), in one transaction: a fast setup
// for benchmarks that goes through the same sealing as SaveTemplate.
func BulkEnrol(ctx context.Context, l *Ledger, n int, m embeddings.Model, samples int) error {
	return l.tx(ctx, func(tx *sql.Tx) error {
		now := nanos(l.now())
		for i := 0; i < n; i++ {
			num := fmt.Sprintf("E%06d", i)
			res, err := tx.ExecContext(ctx, `INSERT INTO employees (number, name, created_at) VALUES (?, ?, ?)`, num, "Employee "+num, now)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			res, err = tx.ExecContext(ctx, `INSERT INTO consents (employee_id, text_version, locale, text_sha256, signature, signed_at, kiosk_id, retention_policy)
				VALUES (?, 'v1', 'en', ?, ?, ?, 'bench', 'r1')`, id, strings.Repeat("ab", 32), num, now)
			if err != nil {
				return err
			}
			cid, _ := res.LastInsertId()
			t := embeddings.Template{Owner: num, Model: m}
			for s := 0; s < samples; s++ {
				e := make(embeddings.Embedding, m.Dim)
				for j := range e {
					e[j] = float32(i*7+s*3+j) / 1000
				}
				t.Samples = append(t.Samples, e)
			}
			plain, err := t.MarshalBinary()
			if err != nil {
				return err
			}
			dk, err := l.dataKey(ctx, tx, id, num, true)
			if err != nil {
				return err
			}
			ct, err := dk.Seal(num, templatePurpose(m), plain)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO templates (employee_id, consent_id, model_name, model_version, dim, ciphertext, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, cid, m.Name, m.Version, m.Dim, ct, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// RunMigrationsFS runs the migration runner over fsys (files under
// migrations/), for testing the runner itself.
func RunMigrationsFS(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	return runMigrations(ctx, db, migrationsDir(fsys))
}

// OpenDB opens a SQLite file with the ledger's connection settings.
func OpenDB(path string) *sql.DB {
	return sql.OpenDB(connector{dsn: dsn(path), drv: &sqlite3.SQLiteDriver{}})
}

// EntryHash is the audit entry hash, for tests that forge a consistent row.
var EntryHash = entryHash
