package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clockface"
	"clockface/embeddings"
)

// A new employee's enrolment at the kiosk is written in one transaction,
// so that an enrolment that fails, is blocked as a duplicate face or is
// abandoned leaves nothing behind: no employee, no consent, no key. Either
// everything below is committed or nothing is.

// ErrEmployeeExists says the number (or badge) is already in the ledger.
var ErrEmployeeExists = errors.New("employee already exists")

// EnrolNew adds a new employee e (with pin, which may be empty) together
// with the consent c they signed before capture, the template t made from
// their samples and, only if the enrolment keeps images, the accepted
// frames as SnapshotEnrol snapshots, in one transaction. It writes the
// same records, with the same checks and audit entries, as AddEmployee,
// RecordConsent, SaveTemplate and SaveSnapshot in a row, but a failure at
// any step (a number already used, a bad consent, a write error) commits
// none of them. The consent's employee and the template's owner are e's
// number. It returns what it stored and the snapshots' ids.
func (l *Ledger) EnrolNew(ctx context.Context, e clockface.Employee, pin string, c clockface.Consent, t embeddings.Template, images [][]byte, actor string) (clockface.Employee, clockface.Consent, []int64, error) {
	emp, c, ids, err := l.enrolNew(ctx, e, pin, c, t, images, actor)
	if err != nil {
		return clockface.Employee{}, clockface.Consent{}, nil, fmt.Errorf("enrol %s: %w", strings.TrimSpace(e.Number), err)
	}
	return emp, c, ids, nil
}

func (l *Ledger) enrolNew(ctx context.Context, e clockface.Employee, pin string, c clockface.Consent, t embeddings.Template, images [][]byte, actor string) (clockface.Employee, clockface.Consent, []int64, error) {
	e.Number = strings.TrimSpace(e.Number)
	c.EmployeeNumber, t.Owner = e.Number, e.Number
	hash, err := l.checkNewEmployee(e, pin)
	if err != nil {
		return clockface.Employee{}, clockface.Consent{}, nil, err
	}
	if c, err = l.checkConsent(c); err != nil {
		return clockface.Employee{}, clockface.Consent{}, nil, err
	}
	if len(t.Samples) == 0 {
		return clockface.Employee{}, clockface.Consent{}, nil, errors.New("template has no samples")
	}
	plain, site, err := l.measureTemplate(ctx, t)
	if err != nil {
		return clockface.Employee{}, clockface.Consent{}, nil, err
	}
	for i, img := range images {
		if len(img) == 0 {
			return clockface.Employee{}, clockface.Consent{}, nil, fmt.Errorf("image %d is empty", i+1)
		}
	}
	now := l.now()
	var ids []int64
	err = l.tx(ctx, func(tx *sql.Tx) error {
		empID, err := l.insertEmployee(ctx, tx, e, hash, now)
		if err != nil {
			return err
		}
		if c.ID, err = l.insertConsent(ctx, tx, empID, c); err != nil {
			return err
		}
		if err := l.storeTemplate(ctx, tx, empID, c.ID, t, plain, actor); err != nil {
			return err
		}
		if !e.RestrictedToPIN {
			if err := l.recordEnrolment(ctx, tx, t.Model, site, actor); err != nil {
				return err
			}
		}
		for _, img := range images {
			id, err := l.saveSnapshot(ctx, tx, empID, e.Number, img, SnapshotEnrol, now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return clockface.Employee{}, clockface.Consent{}, nil, err
	}
	emp, err := l.Employee(ctx, e.Number)
	if err != nil {
		return clockface.Employee{}, clockface.Consent{}, nil, err
	}
	return emp, c, ids, nil
}

// DeclineNew adds a new employee who refused the consent notice, and the
// audited decline (action "enrol.declined", with detail), in one
// transaction. They punch by PIN or badge only, so one of the two is
// required.
func (l *Ledger) DeclineNew(ctx context.Context, e clockface.Employee, pin, actor string, detail map[string]string) (clockface.Employee, error) {
	e.Number = strings.TrimSpace(e.Number)
	if pin == "" && e.BadgeID == "" {
		return clockface.Employee{}, fmt.Errorf("decline %s: a PIN (or a badge) is needed to punch without a face", e.Number)
	}
	hash, err := l.checkNewEmployee(e, pin)
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("decline %s: %w", e.Number, err)
	}
	err = l.tx(ctx, func(tx *sql.Tx) error {
		if _, err := l.insertEmployee(ctx, tx, e, hash, l.now()); err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "enrol.declined", e.Number, detail)
	})
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("decline %s: %w", e.Number, err)
	}
	emp, err := l.Employee(ctx, e.Number)
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("decline %s: %w", e.Number, err)
	}
	return emp, nil
}

// checkNewEmployee checks a new employee's fields as AddEmployee does and
// hashes the PIN (Argon2id, before any transaction holds the write lock).
func (l *Ledger) checkNewEmployee(e clockface.Employee, pin string) (sql.NullString, error) {
	switch {
	case e.Number == "":
		return sql.NullString{}, errors.New("empty number")
	case strings.TrimSpace(e.Name) == "":
		return sql.NullString{}, errors.New("empty name")
	}
	if err := checkPayrollFields(e); err != nil {
		return sql.NullString{}, err
	}
	if pin == "" {
		return sql.NullString{}, nil
	}
	if err := checkPINFormat(pin); err != nil {
		return sql.NullString{}, err
	}
	h, err := hashPIN(pin, l.pepper)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: h, Valid: true}, nil
}

// insertEmployee adds e as AddEmployee does, in tx, with its audit entry.
func (l *Ledger) insertEmployee(ctx context.Context, tx *sql.Tx, e clockface.Employee, hash sql.NullString, now time.Time) (int64, error) {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM employees WHERE number = ?)`, e.Number).Scan(&exists); err != nil {
		return 0, err
	}
	if exists {
		return 0, fmt.Errorf("number %s: %w", e.Number, ErrEmployeeExists)
	}
	var badge sql.NullString
	if e.BadgeID != "" {
		badge = sql.NullString{String: e.BadgeID, Valid: true}
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM employees WHERE badge_id = ?)`, badge).Scan(&exists); err != nil {
			return 0, err
		}
		if exists {
			return 0, fmt.Errorf("badge %s belongs to another employee: %w", e.BadgeID, ErrEmployeeExists)
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO employees (number, name, locale, badge_id, pin_hash, restricted, created_at,
		first_name, last_name, adp_file_number, paychex_worker_id, gusto_id, quickbooks_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Number, e.Name, e.Locale, badge, hash, e.RestrictedToPIN, nanos(now),
		e.FirstName, e.LastName, e.Payroll.ADPFileNumber, e.Payroll.PaychexWorkerID, e.Payroll.GustoID, e.Payroll.QuickBooksName)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	detail := map[string]any{"restricted": e.RestrictedToPIN, "pin": hash.Valid, "badge": badge.Valid}
	if f := setFields(e); len(f) > 0 {
		detail["fields"] = f
	}
	return id, l.audit(ctx, tx, "", "employee.add", e.Number, detail)
}

// checkConsent checks and completes a consent as RecordConsent does.
func (l *Ledger) checkConsent(c clockface.Consent) (clockface.Consent, error) {
	c.TextSHA256 = strings.ToLower(c.TextSHA256)
	switch {
	case c.TextVersion == "":
		return c, errors.New("consent: no text version")
	case len(c.TextSHA256) != 64 || !isHex(c.TextSHA256):
		return c, errors.New("consent: text SHA-256 must be 64 hex digits")
	case strings.TrimSpace(c.Signature) == "":
		return c, errors.New("consent: no signature")
	case c.RetentionPolicy == "":
		return c, errors.New("consent: no retention policy version")
	}
	if c.SignedAt.IsZero() {
		c.SignedAt = l.now()
	}
	c.SignedAt = fromNanos(nanos(c.SignedAt))
	if c.KioskID == "" {
		c.KioskID = l.cfg.KioskID
	}
	if strings.TrimSpace(c.KioskID) == "" {
		return c, errors.New("consent: no kiosk id")
	}
	c.WithdrawnAt = nil
	return c, nil
}
