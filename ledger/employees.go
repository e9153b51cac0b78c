package ledger

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"clockface"
)

// PIN hashing: argon2id with OWASP's minimum parameters (19 MiB, 2 passes,
// 1 lane), about 30 ms here. The parameters are stored with each hash in
// PHC form, so raising them later leaves old hashes verifiable.
const (
	pinTime    = 2
	pinMemory  = 19 * 1024 // KiB
	pinThreads = 1
	pinKeyLen  = 32
	pinSaltLen = 16
	minPINLen  = 4
	maxPINLen  = 64
)

// Lockout: lockFailures failures in a row lock the employee for lockBase,
// doubling with each further failure up to lockMax.
const (
	lockFailures = 3
	lockBase     = 30 * time.Second
	lockMax      = 24 * time.Hour
)

func hashPIN(pin string) (string, error) {
	salt := make([]byte, pinSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum := argon2.IDKey([]byte(pin), salt, pinTime, pinMemory, pinThreads, pinKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, pinMemory, pinTime, pinThreads,
		enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

func verifyPIN(encoded, pin string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("stored PIN hash is not argon2id")
	}
	var v int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("stored PIN hash: unsupported version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false, fmt.Errorf("stored PIN hash: bad parameters %q", parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errors.New("stored PIN hash: bad salt")
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errors.New("stored PIN hash: bad hash")
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func checkPINFormat(pin string) error {
	n := utf8.RuneCountInString(pin)
	if n < minPINLen || n > maxPINLen {
		return fmt.Errorf("PIN must be %d to %d characters", minPINLen, maxPINLen)
	}
	return nil
}

const employeeCols = `e.id, e.number, e.name, e.locale, e.badge_id, e.status, e.restricted, e.created_at, e.terminated_at,
	EXISTS (SELECT 1 FROM templates t WHERE t.employee_id = e.id)`

func scanEmployee(sc interface{ Scan(...any) error }) (clockface.Employee, error) {
	var (
		e          clockface.Employee
		badge      sql.NullString
		status     string
		created    int64
		terminated sql.NullInt64
	)
	if err := sc.Scan(&e.ID, &e.Number, &e.Name, &e.Locale, &badge, &status, &e.RestrictedToPIN, &created, &terminated, &e.HasFace); err != nil {
		return clockface.Employee{}, err
	}
	e.BadgeID = badge.String
	e.Status = clockface.EmployeeStatus(status)
	e.CreatedAt = fromNanos(created)
	e.TerminatedAt = nullTime(terminated)
	return e, nil
}

// AddEmployee adds an active employee. pin may be empty (no PIN); otherwise
// it is stored as an argon2id hash. The returned employee has its ID and
// CreatedAt set.
func (l *Ledger) AddEmployee(ctx context.Context, e clockface.Employee, pin string) (clockface.Employee, error) {
	e.Number = strings.TrimSpace(e.Number)
	if e.Number == "" {
		return clockface.Employee{}, errors.New("add employee: empty number")
	}
	if strings.TrimSpace(e.Name) == "" {
		return clockface.Employee{}, fmt.Errorf("add employee %s: empty name", e.Number)
	}
	var hash sql.NullString
	if pin != "" {
		if err := checkPINFormat(pin); err != nil {
			return clockface.Employee{}, fmt.Errorf("add employee %s: %w", e.Number, err)
		}
		h, err := hashPIN(pin)
		if err != nil {
			return clockface.Employee{}, fmt.Errorf("add employee %s: %w", e.Number, err)
		}
		hash = sql.NullString{String: h, Valid: true}
	}
	var badge sql.NullString
	if e.BadgeID != "" {
		badge = sql.NullString{String: e.BadgeID, Valid: true}
	}
	now := l.now()
	err := l.tx(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM employees WHERE number = ?)`, e.Number).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return errors.New("already exists")
		}
		if badge.Valid {
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM employees WHERE badge_id = ?)`, badge).Scan(&exists); err != nil {
				return err
			}
			if exists {
				return fmt.Errorf("badge %s belongs to another employee", e.BadgeID)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO employees (number, name, locale, badge_id, pin_hash, restricted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			e.Number, e.Name, e.Locale, badge, hash, e.RestrictedToPIN, nanos(now))
		if err != nil {
			return err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return l.audit(ctx, tx, "", "employee.add", e.Number, map[string]any{"restricted": e.RestrictedToPIN, "pin": hash.Valid, "badge": badge.Valid})
	})
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("add employee %s: %w", e.Number, err)
	}
	e.Status = clockface.StatusActive
	e.HasFace = false
	e.CreatedAt = fromNanos(nanos(now))
	e.TerminatedAt = nil
	return e, nil
}

// Employee returns the employee with this number, or an error wrapping
// clockface.ErrUnknownEmployee.
func (l *Ledger) Employee(ctx context.Context, number string) (clockface.Employee, error) {
	e, err := scanEmployee(l.db.QueryRowContext(ctx, `SELECT `+employeeCols+` FROM employees e WHERE e.number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return clockface.Employee{}, fmt.Errorf("employee %q: %w", number, clockface.ErrUnknownEmployee)
	}
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("employee %q: %w", number, err)
	}
	return e, nil
}

// EmployeeByBadge returns the employee holding this badge.
func (l *Ledger) EmployeeByBadge(ctx context.Context, badge string) (clockface.Employee, error) {
	if badge == "" {
		return clockface.Employee{}, fmt.Errorf("badge %q: %w", badge, clockface.ErrUnknownEmployee)
	}
	e, err := scanEmployee(l.db.QueryRowContext(ctx, `SELECT `+employeeCols+` FROM employees e WHERE e.badge_id = ?`, badge))
	if errors.Is(err, sql.ErrNoRows) {
		return clockface.Employee{}, fmt.Errorf("badge %q: %w", badge, clockface.ErrUnknownEmployee)
	}
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("badge %q: %w", badge, err)
	}
	return e, nil
}

// Employees returns every employee, by number.
func (l *Ledger) Employees(ctx context.Context) ([]clockface.Employee, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+employeeCols+` FROM employees e ORDER BY e.number`)
	if err != nil {
		return nil, fmt.Errorf("employees: %w", err)
	}
	defer rows.Close()
	var out []clockface.Employee
	for rows.Next() {
		e, err := scanEmployee(rows)
		if err != nil {
			return nil, fmt.Errorf("employees: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("employees: %w", err)
	}
	return out, nil
}

// employeeID resolves a number inside a transaction.
func employeeID(ctx context.Context, q querier, number string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM employees WHERE number = ?`, number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("employee %q: %w", number, clockface.ErrUnknownEmployee)
	}
	return id, err
}

// SetPIN sets (or, with an empty pin, removes) the employee's PIN.
func (l *Ledger) SetPIN(ctx context.Context, number, pin, actor string) error {
	var hash sql.NullString
	if pin != "" {
		if err := checkPINFormat(pin); err != nil {
			return fmt.Errorf("set PIN of %s: %w", number, err)
		}
		h, err := hashPIN(pin)
		if err != nil {
			return fmt.Errorf("set PIN of %s: %w", number, err)
		}
		hash = sql.NullString{String: h, Valid: true}
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE employees SET pin_hash = ? WHERE id = ?`, hash, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE employee_id = ?`, id); err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "employee.pin", number, map[string]any{"set": hash.Valid})
	})
	if err != nil {
		return fmt.Errorf("set PIN of %s: %w", number, err)
	}
	return nil
}

// Terminate marks the employee terminated. Their templates are deleted in
// the same transaction, or by Purge after Config.TemplateGrace.
func (l *Ledger) Terminate(ctx context.Context, number, actor string) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE employees SET status = 'terminated', terminated_at = ? WHERE id = ? AND status = 'active'`, nanos(l.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return clockface.ErrTerminated
		}
		detail := map[string]any{}
		if l.cfg.TemplateGrace == 0 {
			n, err := deleteTemplates(ctx, tx, id)
			if err != nil {
				return err
			}
			detail["templates_deleted"] = n
		} else {
			detail["templates_due"] = l.now().Add(l.cfg.TemplateGrace)
		}
		return l.audit(ctx, tx, actor, "employee.terminate", number, detail)
	})
	if err != nil {
		return fmt.Errorf("terminate %s: %w", number, err)
	}
	l.flushDeleted(ctx)
	return nil
}

// Restrict sets or clears the employee's restriction to PIN/badge: face
// matching skips a restricted employee and face punches are refused.
func (l *Ledger) Restrict(ctx context.Context, number string, restricted bool, actor string) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE employees SET restricted = ? WHERE id = ?`, restricted, id); err != nil {
			return err
		}
		action := "employee.restrict"
		if !restricted {
			action = "employee.unrestrict"
		}
		return l.audit(ctx, tx, actor, action, number, nil)
	})
	if err != nil {
		return fmt.Errorf("restrict %s: %w", number, err)
	}
	return nil
}

// CheckPIN verifies the employee's PIN: nil, an error wrapping
// clockface.ErrBadPIN (the failure is recorded), or *clockface.LockedError.
// Success resets the failure count.
func (l *Ledger) CheckPIN(ctx context.Context, number, pin string) error {
	var (
		id   int64
		hash sql.NullString
	)
	err := l.db.QueryRowContext(ctx, `SELECT id, pin_hash FROM employees WHERE number = ?`, number).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check PIN: employee %q: %w", number, clockface.ErrUnknownEmployee)
	}
	if err != nil {
		return fmt.Errorf("check PIN of %s: %w", number, err)
	}
	if err := l.Lockout(ctx, number); err != nil {
		return err
	}
	ok := false
	if hash.Valid {
		if ok, err = verifyPIN(hash.String, pin); err != nil {
			return fmt.Errorf("check PIN of %s: %w", number, err)
		}
	}
	if !ok {
		if err := l.RecordFailure(ctx, number, clockface.MethodPIN); err != nil {
			return err
		}
		if !hash.Valid {
			return fmt.Errorf("employee %s has no PIN: %w", number, clockface.ErrBadPIN)
		}
		return fmt.Errorf("employee %s: %w", number, clockface.ErrBadPIN)
	}
	if _, err := l.db.ExecContext(ctx, `DELETE FROM attempts WHERE employee_id = ?`, id); err != nil {
		return fmt.Errorf("check PIN of %s: %w", number, err)
	}
	return nil
}

// RecordFailure counts a failed face or PIN attempt. The third failure in a
// row locks the employee for 30 s; each further one doubles the lock.
func (l *Ledger) RecordFailure(ctx context.Context, number string, m clockface.Method) error {
	now := l.now()
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		var failures int
		err = tx.QueryRowContext(ctx, `SELECT failures FROM attempts WHERE employee_id = ?`, id).Scan(&failures)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		failures++
		var until int64
		if failures >= lockFailures {
			until = nanos(now.Add(lockDuration(failures)))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO attempts (employee_id, failures, locked_until) VALUES (?, ?, ?)
			ON CONFLICT (employee_id) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`, id, failures, until)
		return err
	})
	if err != nil {
		return fmt.Errorf("record failure of %s (%s): %w", number, m, err)
	}
	return nil
}

func lockDuration(failures int) time.Duration {
	d := lockBase
	for i := lockFailures; i < failures; i++ {
		d *= 2
		if d >= lockMax {
			return lockMax
		}
	}
	return d
}

// Lockout returns *clockface.LockedError while the employee is locked out,
// nil otherwise.
func (l *Ledger) Lockout(ctx context.Context, number string) error {
	var until sql.NullInt64
	err := l.db.QueryRowContext(ctx, `SELECT a.locked_until FROM employees e LEFT JOIN attempts a ON a.employee_id = e.id WHERE e.number = ?`, number).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("lockout: employee %q: %w", number, clockface.ErrUnknownEmployee)
	}
	if err != nil {
		return fmt.Errorf("lockout of %s: %w", number, err)
	}
	return lockedErr(number, until.Int64, l.now())
}

func lockedErr(number string, until int64, now time.Time) error {
	if until > 0 && nanos(now) < until {
		return &clockface.LockedError{Employee: number, Until: fromNanos(until)}
	}
	return nil
}

// ResetFailures clears the employee's failure count, e.g. after a
// successful face match.
func (l *Ledger) ResetFailures(ctx context.Context, number string) error {
	_, err := l.db.ExecContext(ctx, `DELETE FROM attempts WHERE employee_id = (SELECT id FROM employees WHERE number = ?)`, number)
	if err != nil {
		return fmt.Errorf("reset failures of %s: %w", number, err)
	}
	return nil
}
