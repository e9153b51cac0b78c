package ledger

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
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

// PIN hashes are keyed: argon2id runs over HMAC-SHA256(pepper, PIN), the
// pepper being derived from the master key (keys.go), and the PHC string
// names the scheme pinScheme. Hashes written before the pepper (plain
// "argon2id") still verify, and CheckPIN re-hashes them keyed on their
// next success.
const (
	pinScheme       = "argon2id-pepper1"
	legacyPINScheme = "argon2id"
)

func pepperedPIN(pepper []byte, pin string) []byte {
	mac := hmac.New(sha256.New, pepper)
	mac.Write([]byte(pin))
	return mac.Sum(nil)
}

func hashPIN(pin string, pepper []byte) (string, error) {
	if len(pepper) == 0 {
		return "", errors.New("hash PIN: no pepper")
	}
	salt := make([]byte, pinSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum := argon2.IDKey(pepperedPIN(pepper, pin), salt, pinTime, pinMemory, pinThreads, pinKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s", pinScheme, argon2.Version, pinMemory, pinTime, pinThreads,
		enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

// verifyPIN checks pin against a stored hash. legacy reports an unkeyed
// hash, which the caller should replace once the PIN has verified.
func verifyPIN(encoded, pin string, pepper []byte) (ok, legacy bool, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || (parts[1] != pinScheme && parts[1] != legacyPINScheme) {
		return false, false, errors.New("stored PIN hash is not argon2id")
	}
	legacy = parts[1] == legacyPINScheme
	var v int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, legacy, fmt.Errorf("stored PIN hash: unsupported version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false, legacy, fmt.Errorf("stored PIN hash: bad parameters %q", parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, legacy, errors.New("stored PIN hash: bad salt")
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, legacy, errors.New("stored PIN hash: bad hash")
	}
	input := []byte(pin)
	if !legacy {
		if len(pepper) == 0 {
			return false, false, errors.New("stored PIN hash is keyed and there is no pepper")
		}
		input = pepperedPIN(pepper, pin)
	}
	got := argon2.IDKey(input, salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, legacy, nil
}

func checkPINFormat(pin string) error {
	n := utf8.RuneCountInString(pin)
	if n < minPINLen || n > maxPINLen {
		return fmt.Errorf("PIN must be %d to %d characters", minPINLen, maxPINLen)
	}
	return nil
}

const employeeCols = `e.id, e.number, e.name, e.locale, e.badge_id, e.status, e.restricted, e.created_at, e.terminated_at,
	EXISTS (SELECT 1 FROM templates t WHERE t.employee_id = e.id),
	e.first_name, e.last_name, e.adp_file_number, e.paychex_worker_id, e.gusto_id, e.quickbooks_name`

func scanEmployee(sc interface{ Scan(...any) error }) (clockface.Employee, error) {
	var (
		e          clockface.Employee
		badge      sql.NullString
		status     string
		created    int64
		terminated sql.NullInt64
	)
	if err := sc.Scan(&e.ID, &e.Number, &e.Name, &e.Locale, &badge, &status, &e.RestrictedToPIN, &created, &terminated, &e.HasFace,
		&e.FirstName, &e.LastName, &e.Payroll.ADPFileNumber, &e.Payroll.PaychexWorkerID, &e.Payroll.GustoID, &e.Payroll.QuickBooksName); err != nil {
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
	hash, err := l.checkNewEmployee(e, pin)
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("add employee %s: %w", e.Number, err)
	}
	now := l.now()
	err = l.tx(ctx, func(tx *sql.Tx) error {
		e.ID, err = l.insertEmployee(ctx, tx, e, hash, now)
		return err
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

// MaxEmployeeField bounds the first and last name and each payroll id, in
// bytes: the hub's directory takes no more (wire.MaxDirectoryField), and
// no payroll provider's id comes near it.
const MaxEmployeeField = 100

// employeeFields are the fields EmployeeChange can set, by audit name.
func employeeFields(e *clockface.Employee) []struct {
	name string
	v    *string
} {
	return []struct {
		name string
		v    *string
	}{
		{"name", &e.Name}, {"first_name", &e.FirstName}, {"last_name", &e.LastName},
		{"adp_file_number", &e.Payroll.ADPFileNumber}, {"paychex_worker_id", &e.Payroll.PaychexWorkerID},
		{"gusto_id", &e.Payroll.GustoID}, {"quickbooks_name", &e.Payroll.QuickBooksName},
	}
}

// checkPayrollFields refuses a first or last name or payroll id that is
// too long, is not UTF-8, or holds a control character (a tab or newline
// would break the payroll files).
func checkPayrollFields(e clockface.Employee) error {
	var errs []error
	for _, f := range employeeFields(&e)[1:] {
		v := *f.v
		switch {
		case len(v) > MaxEmployeeField:
			errs = append(errs, fmt.Errorf("%s is %d bytes, at most %d", f.name, len(v), MaxEmployeeField))
		case !utf8.ValidString(v):
			errs = append(errs, fmt.Errorf("%s is not UTF-8", f.name))
		case strings.ContainsFunc(v, unicode.IsControl):
			errs = append(errs, fmt.Errorf("%s holds a control character (tab, newline, ...)", f.name))
		case v != strings.TrimSpace(v):
			errs = append(errs, fmt.Errorf("%s %q starts or ends with a space", f.name, v))
		}
	}
	return errors.Join(errs...)
}

// setFields names the non-empty payroll fields of e, for the audit (the
// values stay out of the log).
func setFields(e clockface.Employee) []string {
	var out []string
	for _, f := range employeeFields(&e)[1:] {
		if *f.v != "" {
			out = append(out, f.name)
		}
	}
	return out
}

// EmployeeChange edits an employee: each non-nil field is set (an empty
// string clears a first or last name or a payroll id; the name cannot be
// empty).
type EmployeeChange struct {
	Name, FirstName, LastName *string
	ADPFileNumber             *string
	PaychexWorkerID           *string
	GustoID                   *string
	QuickBooksName            *string
}

func (c EmployeeChange) values() []*string {
	return []*string{c.Name, c.FirstName, c.LastName, c.ADPFileNumber, c.PaychexWorkerID, c.GustoID, c.QuickBooksName}
}

// UpdateEmployee applies c to the employee and returns them as stored. The
// change is audited (employee.set) with the names of the fields that
// changed, not their values. An unknown employee, an empty name, a field
// checkPayrollFields refuses, or a change that changes nothing store
// nothing. The next directory upload carries the new values to the hub.
func (l *Ledger) UpdateEmployee(ctx context.Context, number string, c EmployeeChange, actor string) (clockface.Employee, error) {
	var out clockface.Employee
	err := l.tx(ctx, func(tx *sql.Tx) error {
		e, err := scanEmployee(tx.QueryRowContext(ctx, `SELECT `+employeeCols+` FROM employees e WHERE e.number = ?`, number))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("employee %q: %w", number, clockface.ErrUnknownEmployee)
		}
		if err != nil {
			return err
		}
		next := e
		var changed []string
		for i, f := range employeeFields(&next) {
			if v := c.values()[i]; v != nil && *v != *f.v {
				*f.v = *v
				changed = append(changed, f.name)
			}
		}
		if strings.TrimSpace(next.Name) == "" {
			return errors.New("empty name")
		}
		if err := checkPayrollFields(next); err != nil {
			return err
		}
		if len(changed) == 0 {
			return errors.New("nothing changes")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE employees SET name = ?, first_name = ?, last_name = ?, adp_file_number = ?,
			paychex_worker_id = ?, gusto_id = ?, quickbooks_name = ? WHERE id = ?`,
			next.Name, next.FirstName, next.LastName, next.Payroll.ADPFileNumber, next.Payroll.PaychexWorkerID,
			next.Payroll.GustoID, next.Payroll.QuickBooksName, e.ID); err != nil {
			return err
		}
		out = next
		return l.audit(ctx, tx, actor, "employee.set", number, map[string]any{"changed": changed})
	})
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("update employee %s: %w", number, err)
	}
	return out, nil
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
		h, err := hashPIN(pin, l.pepper)
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
		return l.terminate(ctx, tx, id, number, actor, map[string]any{})
	})
	if err != nil {
		return fmt.Errorf("terminate %s: %w", number, err)
	}
	l.flushDeleted(ctx)
	return nil
}

// terminate is Terminate inside tx, its audit detail starting from detail
// (the hub's downstream change adds its sequence number and reason).
func (l *Ledger) terminate(ctx context.Context, tx *sql.Tx, id int64, number, actor string, detail map[string]any) error {
	res, err := tx.ExecContext(ctx, `UPDATE employees SET status = 'terminated', terminated_at = ? WHERE id = ? AND status = 'active'`, nanos(l.now()), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return clockface.ErrTerminated
	}
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
// clockface.ErrBadPIN (the failure is recorded and audited), or
// *clockface.LockedError. Success resets the failure count.
//
// At most lockFailures wrong PINs are ever verified before the lock, even
// with many processes checking at once: each check first reserves an
// attempt in an immediate transaction (counting it as a failure, and
// engaging the lock when it is the last one allowed), verifies outside any
// transaction (Argon2id is slow and must not hold the write lock), and then
// settles it in a second transaction. A right PIN whose reservation was
// followed by a lock engaged by other attempts is refused with the lock. A
// check cut short by a crash stays counted as a failure.
func (l *Ledger) CheckPIN(ctx context.Context, number, pin string) error {
	return l.checkPIN(ctx, employeePIN(number), pin)
}

// CheckPINKeepingFailures is CheckPIN for a PIN that is only the first of
// two factors (PIN then face): a right PIN does not clear the failures
// counted before it, so failed faces after right PINs still lock the
// employee out; the punch the face then creates clears them, as any
// created punch does. A wrong PIN counts and locks as with CheckPIN.
func (l *Ledger) CheckPINKeepingFailures(ctx context.Context, number, pin string) error {
	s := employeePIN(number)
	s.keep = true
	return l.checkPIN(ctx, s, pin)
}

// pinSubject is whose PIN a check is about: an employee (attempts table,
// employees.pin_hash) or the kiosk's HR PIN (meta rows).
type pinSubject struct {
	name    string // the LockedError's Employee
	label   string // in errors: "employee E1", "HR PIN"
	subject string // the audit subject
	action  string // the audit action prefix ("pin", "hr_pin")
	// auditAll also audits refusals while locked and every success.
	auditAll bool
	load     func(ctx context.Context, tx *sql.Tx) (hash sql.NullString, a attempts, err error)
	save     func(ctx context.Context, tx *sql.Tx, a attempts) error
	rehash   func(ctx context.Context, tx *sql.Tx, hash string) error
	noPIN    string // the error text when no PIN is set
	// keep leaves the failures counted before a right PIN standing.
	keep bool
	// sayLock: a wrong PIN that engages the lock also returns the
	// *clockface.LockedError, so the screen can say so at once (the HR
	// PIN: no Tries reads its count).
	sayLock bool
}

// attempts is a failure count and the time (nanoseconds) a lock ends.
type attempts struct {
	failures int
	until    int64
}

func employeePIN(number string) pinSubject {
	var id int64
	return pinSubject{
		name: number, label: "employee " + number, subject: number, action: "pin", noPIN: fmt.Sprintf("employee %s has no PIN", number),
		load: func(ctx context.Context, tx *sql.Tx) (sql.NullString, attempts, error) {
			var hash sql.NullString
			var a attempts
			err := tx.QueryRowContext(ctx, `SELECT e.id, e.pin_hash, COALESCE(a.failures, 0), COALESCE(a.locked_until, 0)
				FROM employees e LEFT JOIN attempts a ON a.employee_id = e.id WHERE e.number = ?`, number).Scan(&id, &hash, &a.failures, &a.until)
			if errors.Is(err, sql.ErrNoRows) {
				return hash, a, fmt.Errorf("employee %q: %w", number, clockface.ErrUnknownEmployee)
			}
			return hash, a, err
		},
		save: func(ctx context.Context, tx *sql.Tx, a attempts) error {
			if a.failures == 0 && a.until == 0 {
				_, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE employee_id = ?`, id)
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO attempts (employee_id, failures, locked_until) VALUES (?, ?, ?)
				ON CONFLICT (employee_id) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`, id, a.failures, a.until)
			return err
		},
		rehash: func(ctx context.Context, tx *sql.Tx, hash string) error {
			_, err := tx.ExecContext(ctx, `UPDATE employees SET pin_hash = ? WHERE id = ?`, hash, id)
			return err
		},
	}
}

func (l *Ledger) checkPIN(ctx context.Context, s pinSubject, pin string) error {
	var (
		hash   sql.NullString
		slot   int
		prior  attempts // the count before this attempt's reservation
		locked error
		// failLock is the lock a wrong PIN engaged (sayLock).
		failLock error
	)
	// 1. Reserve an attempt, or refuse while locked.
	err := l.tx(ctx, func(tx *sql.Tx) error {
		h, a, err := s.load(ctx, tx)
		if err != nil {
			return err
		}
		now := l.now()
		if locked = lockedErr(s.name, a.until, now); locked != nil {
			if s.auditAll {
				return l.audit(ctx, tx, "", s.action+".locked", s.subject, map[string]any{"failures": a.failures, "locked_until": fromNanos(a.until)})
			}
			return nil
		}
		hash, prior = h, a
		a.failures++
		slot = a.failures
		if a.failures >= lockFailures {
			a.until = nanos(now.Add(lockDuration(a.failures)))
		}
		return s.save(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("check PIN of %s: %w", s.label, err)
	}
	if locked != nil {
		return locked
	}

	// 2. Verify, holding no lock.
	ok, legacy := false, false
	var verr error
	if hash.Valid {
		ok, legacy, verr = verifyPIN(hash.String, pin, l.pepper)
	}
	var rehashed string
	if ok && legacy {
		if rehashed, err = hashPIN(pin, l.pepper); err != nil {
			return fmt.Errorf("check PIN of %s: %w", s.label, err)
		}
	}

	// 3. Settle the attempt.
	err = l.tx(ctx, func(tx *sql.Tx) error {
		_, a, err := s.load(ctx, tx)
		if err != nil {
			return err
		}
		now := l.now()
		if !ok {
			failLock = lockedErr(s.name, a.until, now)
			return l.audit(ctx, tx, "", s.action+".fail", s.subject, map[string]any{"failures": a.failures, "locked": failLock != nil})
		}
		if a.failures != slot {
			// Later attempts were reserved while this PIN was checked; if
			// they engaged the lock, the lock wins.
			if locked = lockedErr(s.name, a.until, now); locked != nil {
				return l.audit(ctx, tx, "", s.action+".locked", s.subject, map[string]any{"failures": a.failures, "locked_until": fromNanos(a.until), "pin_ok": true})
			}
		}
		settled := attempts{}
		if s.keep {
			// Take back only this attempt's reservation (and the lock it
			// may have set); later ones stand as they are.
			settled = attempts{failures: a.failures - 1, until: a.until}
			if a.failures == slot {
				settled.until = prior.until
			}
		}
		if err := s.save(ctx, tx, settled); err != nil {
			return err
		}
		if rehashed != "" {
			if err := s.rehash(ctx, tx, rehashed); err != nil {
				return err
			}
		}
		cleared := a.failures - 1
		if s.keep {
			cleared = 0
		}
		if s.auditAll || cleared > 0 || rehashed != "" {
			return l.audit(ctx, tx, "", s.action+".ok", s.subject, map[string]any{"failures_cleared": cleared, "rehashed": rehashed != ""})
		}
		return nil
	})
	switch {
	case err != nil:
		return fmt.Errorf("check PIN of %s: %w", s.label, err)
	case verr != nil:
		return fmt.Errorf("check PIN of %s: %w", s.label, verr)
	case locked != nil:
		return locked
	case !hash.Valid:
		return fmt.Errorf("%s: %w", s.noPIN, clockface.ErrBadPIN)
	case !ok && s.sayLock && failLock != nil:
		return errors.Join(fmt.Errorf("%s: %w", s.label, clockface.ErrBadPIN), failLock)
	case !ok:
		return fmt.Errorf("%s: %w", s.label, clockface.ErrBadPIN)
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

// The HR PIN opens a kiosk's admin mode. It lives in meta, hashed and
// keyed like an employee PIN, with the same lockout; every attempt, right,
// wrong or refused while locked, is audited (subject hrPINSubject).
const (
	metaHRPINHash     = "hr_pin_hash"
	metaHRPINAttempts = "hr_pin_attempts" // "failures:locked_until"
	hrPINSubject      = "hr"
	// HRPINName is the LockedError's Employee for the HR PIN.
	HRPINName = "HR PIN"
)

// SetHRPIN sets the kiosk's HR PIN, or with an empty pin removes it (admin
// mode then stays closed). The failure count is cleared.
func (l *Ledger) SetHRPIN(ctx context.Context, pin, actor string) error {
	var hash string
	if pin != "" {
		if err := checkPINFormat(pin); err != nil {
			return fmt.Errorf("set HR PIN: %w", err)
		}
		h, err := hashPIN(pin, l.pepper)
		if err != nil {
			return fmt.Errorf("set HR PIN: %w", err)
		}
		hash = h
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		if hash == "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaHRPINHash); err != nil {
				return err
			}
		} else if err := setMeta(ctx, tx, metaHRPINHash, hash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaHRPINAttempts); err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "hr_pin.set", hrPINSubject, map[string]any{"set": hash != ""})
	})
	if err != nil {
		return fmt.Errorf("set HR PIN: %w", err)
	}
	return nil
}

// HasHRPIN says whether an HR PIN is set.
func (l *Ledger) HasHRPIN(ctx context.Context) (bool, error) {
	v, err := l.meta(ctx, metaHRPINHash)
	if err != nil {
		return false, fmt.Errorf("HR PIN: %w", err)
	}
	return v != "", nil
}

// CheckHRPIN verifies the HR PIN: nil, an error wrapping
// clockface.ErrBadPIN (also when no HR PIN is set), or
// *clockface.LockedError (Employee is HRPINName) after lockFailures wrong
// PINs in a row, with the same doubling lock as an employee PIN; the wrong
// PIN that engages the lock returns both, so the screen says "locked" at
// once. Every call
// leaves an audit entry: hr_pin.ok, hr_pin.fail or hr_pin.locked.
func (l *Ledger) CheckHRPIN(ctx context.Context, pin string) error {
	s := pinSubject{
		name: HRPINName, label: "HR PIN", subject: hrPINSubject, action: "hr_pin", auditAll: true, sayLock: true, noPIN: "no HR PIN is set",
		load: func(ctx context.Context, tx *sql.Tx) (sql.NullString, attempts, error) {
			var hash sql.NullString
			var a attempts
			err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaHRPINHash).Scan(&hash)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return hash, a, err
			}
			var v string
			err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaHRPINAttempts).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return hash, a, nil
			}
			if err != nil {
				return hash, a, err
			}
			if _, err := fmt.Sscanf(v, "%d:%d", &a.failures, &a.until); err != nil {
				return hash, a, fmt.Errorf("HR PIN attempts %q: %w", v, err)
			}
			return hash, a, nil
		},
		save: func(ctx context.Context, tx *sql.Tx, a attempts) error {
			return setMeta(ctx, tx, metaHRPINAttempts, fmt.Sprintf("%d:%d", a.failures, a.until))
		},
		rehash: func(ctx context.Context, tx *sql.Tx, hash string) error {
			return setMeta(ctx, tx, metaHRPINHash, hash)
		},
	}
	return l.checkPIN(ctx, s, pin)
}

func setMeta(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
