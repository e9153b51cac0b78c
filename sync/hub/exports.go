package hub

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"clockface/attendance"
	"clockface/payrun"
)

// ExportRecord is a recorded payroll export (payrun.Record): who wrote
// which file for which period and format, when, its SHA-256, and each
// employee's hours as exported. The file's bytes are kept, so the same
// file can be downloaded again (ExportFile).
type ExportRecord = payrun.Record

// EmployeeTotal is one employee's exported hours, with each workday.
type EmployeeTotal = payrun.Total

// Totals are a sheet's per-employee totals, for an export record.
func Totals(sh attendance.Sheet) []EmployeeTotal { return payrun.Totals(sh) }

// Exports is the export record.
type Exports interface {
	// RecordExport stores r and the file's bytes (r.SHA256 must be
	// theirs), audited with r.By.
	RecordExport(ctx context.Context, r ExportRecord, data []byte) error
	// Exports lists the records, newest first, without the bytes.
	Exports(ctx context.Context) ([]ExportRecord, error)
	// LastExport is the newest record of exactly this period and format;
	// ok false if there is none.
	LastExport(ctx context.Context, p attendance.Period, format string) (r ExportRecord, ok bool, err error)
	// ExportFile returns a record and the exact bytes written then.
	ExportFile(ctx context.Context, id string) (ExportRecord, []byte, error)
}

var (
	_ Exports     = (*DB)(nil)
	_ payrun.Book = (*DB)(nil)
)

// ErrUnknownExport: no export has this id.
var ErrUnknownExport = errors.New("unknown export")

func (s *DB) RecordExport(ctx context.Context, r ExportRecord, data []byte) error {
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != r.SHA256 {
		return fmt.Errorf("record export %s: the bytes do not match SHA-256 %s", r.ID, r.SHA256)
	}
	if r.ID == "" || strings.TrimSpace(r.By) == "" {
		return fmt.Errorf("record export: an id and who exported are required")
	}
	totals, err := json.Marshal(r.Totals)
	if err != nil {
		return fmt.Errorf("record export: %w", err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO exports (id, exported_by, at, from_at, to_at, format, rules, file_name, sha256, totals, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.By, nanos(r.At), nanos(r.Period.From), nanos(r.Period.To),
			r.Format, r.Rules, r.FileName, r.SHA256, string(totals), data); err != nil {
			return fmt.Errorf("record export: %w", err)
		}
		return s.audit(ctx, tx, r.At, r.By, "export", r.ID, map[string]any{"from": r.Period.From.UTC(), "to": r.Period.To.UTC(),
			"format": r.Format, "rules": r.Rules, "file": r.FileName, "sha256": r.SHA256, "bytes": len(data)})
	})
}

const exportCols = `id, exported_by, at, from_at, to_at, format, rules, file_name, sha256, totals`

func scanExport(sc interface{ Scan(...any) error }, extra ...any) (ExportRecord, error) {
	var r ExportRecord
	var at, from, to int64
	var totals string
	if err := sc.Scan(append([]any{&r.ID, &r.By, &at, &from, &to, &r.Format, &r.Rules, &r.FileName, &r.SHA256, &totals}, extra...)...); err != nil {
		return ExportRecord{}, err
	}
	r.At, r.Period = fromNanos(at), attendance.Period{From: fromNanos(from), To: fromNanos(to)}
	if err := json.Unmarshal([]byte(totals), &r.Totals); err != nil {
		return ExportRecord{}, fmt.Errorf("export %s totals: %w", r.ID, err)
	}
	return r, nil
}

func (s *DB) Exports(ctx context.Context) ([]ExportRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+exportCols+` FROM exports ORDER BY at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("exports: %w", err)
	}
	defer rows.Close()
	var out []ExportRecord
	for rows.Next() {
		r, err := scanExport(rows)
		if err != nil {
			return nil, fmt.Errorf("exports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *DB) LastExport(ctx context.Context, p attendance.Period, format string) (ExportRecord, bool, error) {
	r, err := scanExport(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+exportCols+` FROM exports
		WHERE from_at = ? AND to_at = ? AND format = ? ORDER BY at DESC, id DESC LIMIT 1`), nanos(p.From), nanos(p.To), format))
	if errors.Is(err, sql.ErrNoRows) {
		return ExportRecord{}, false, nil
	}
	if err != nil {
		return ExportRecord{}, false, fmt.Errorf("last export: %w", err)
	}
	return r, true, nil
}

func (s *DB) ExportFile(ctx context.Context, id string) (ExportRecord, []byte, error) {
	var data []byte
	r, err := scanExport(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+exportCols+`, data FROM exports WHERE id = ?`), id), &data)
	if errors.Is(err, sql.ErrNoRows) {
		return ExportRecord{}, nil, fmt.Errorf("export %q: %w", id, ErrUnknownExport)
	}
	if err != nil {
		return ExportRecord{}, nil, fmt.Errorf("export %s: %w", id, err)
	}
	return r, data, nil
}
