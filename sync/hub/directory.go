package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode"

	"clockface"
	"clockface/sync/wire"
)

// Directory fields HR may set on the hub (`hub employee set`). A value set
// here, even an empty one, wins over every later kiosk upload.
const (
	FieldFirstName = "first_name"
	FieldLastName  = "last_name"
	FieldADP       = "adp_file_number"
	FieldPaychex   = "paychex_worker_id"
	FieldGusto     = "gusto_id"
	FieldQB        = "quickbooks_name"
)

// DirectoryFields lists the fields, in the directory's column order.
var DirectoryFields = []string{FieldFirstName, FieldLastName, FieldADP, FieldPaychex, FieldGusto, FieldQB}

// DirectoryEditor is what HR uses to keep payroll identities on the hub.
type DirectoryEditor interface {
	Directory
	// SetEmployeeFields sets directory fields (DirectoryFields) of a known
	// employee, audited with actor. ErrUnknownEmployee (wrapping
	// clockface.ErrUnknownEmployee) for a number not in the directory; an
	// unknown field or a value with control characters or over
	// wire.MaxDirectoryField bytes is refused; nothing changes on error.
	SetEmployeeFields(ctx context.Context, number string, fields map[string]string, actor string, now time.Time) (clockface.Employee, error)
	// Employee returns one directory entry, hub edits applied.
	Employee(ctx context.Context, number string) (clockface.Employee, error)
}

var _ DirectoryEditor = (*DB)(nil)

const employeeSelect = `SELECT e.number, e.name, e.status,
	COALESCE((SELECT value FROM employee_hub_fields h WHERE h.number = e.number AND h.field = 'first_name'), e.first_name),
	COALESCE((SELECT value FROM employee_hub_fields h WHERE h.number = e.number AND h.field = 'last_name'), e.last_name),
	COALESCE((SELECT value FROM employee_hub_fields h WHERE h.number = e.number AND h.field = 'adp_file_number'), e.adp_file_number),
	COALESCE((SELECT value FROM employee_hub_fields h WHERE h.number = e.number AND h.field = 'paychex_worker_id'), e.paychex_worker_id),
	COALESCE((SELECT value FROM employee_hub_fields h WHERE h.number = e.number AND h.field = 'gusto_id'), e.gusto_id),
	COALESCE((SELECT value FROM employee_hub_fields h WHERE h.number = e.number AND h.field = 'quickbooks_name'), e.quickbooks_name)
	FROM employees e`

func scanEmployee(sc interface{ Scan(...any) error }) (clockface.Employee, error) {
	var e clockface.Employee
	var status string
	err := sc.Scan(&e.Number, &e.Name, &status, &e.FirstName, &e.LastName, &e.Payroll.ADPFileNumber,
		&e.Payroll.PaychexWorkerID, &e.Payroll.GustoID, &e.Payroll.QuickBooksName)
	e.Status = clockface.EmployeeStatus(status)
	return e, err
}

// Employees returns the directory, hub edits laid over the kiosks'
// uploads, by number.
func (s *DB) Employees(ctx context.Context) ([]clockface.Employee, error) {
	rows, err := s.db.QueryContext(ctx, employeeSelect+` ORDER BY e.number`)
	if err != nil {
		return nil, fmt.Errorf("employees: %w", err)
	}
	defer rows.Close()
	var es []clockface.Employee
	for rows.Next() {
		e, err := scanEmployee(rows)
		if err != nil {
			return nil, fmt.Errorf("employees: %w", err)
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

func (s *DB) Employee(ctx context.Context, number string) (clockface.Employee, error) {
	return s.employee(ctx, s.db, number)
}

func (s *DB) employee(ctx context.Context, q execer, number string) (clockface.Employee, error) {
	e, err := scanEmployee(q.QueryRowContext(ctx, s.rebind(employeeSelect+` WHERE e.number = ?`), number))
	if errors.Is(err, sql.ErrNoRows) {
		return clockface.Employee{}, fmt.Errorf("employee %q: %w", number, ErrUnknownEmployee)
	}
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("employee %s: %w", number, err)
	}
	return e, nil
}

// ErrUnknownEmployee: the number is not in the hub's directory (no kiosk
// has uploaded it). errors.Is matches clockface.ErrUnknownEmployee too.
var ErrUnknownEmployee = fmt.Errorf("not in the hub's employee directory (a kiosk uploads it with its next sync): %w", clockface.ErrUnknownEmployee)

func fieldValue(e clockface.Employee, f string) string {
	switch f {
	case FieldFirstName:
		return e.FirstName
	case FieldLastName:
		return e.LastName
	case FieldADP:
		return e.Payroll.ADPFileNumber
	case FieldPaychex:
		return e.Payroll.PaychexWorkerID
	case FieldGusto:
		return e.Payroll.GustoID
	case FieldQB:
		return e.Payroll.QuickBooksName
	}
	return ""
}

func checkField(f, v string) error {
	if !slices.Contains(DirectoryFields, f) {
		return fmt.Errorf("unknown directory field %q (known: %v)", f, DirectoryFields)
	}
	if len(v) > wire.MaxDirectoryField {
		return fmt.Errorf("%s: longer than %d bytes", f, wire.MaxDirectoryField)
	}
	for _, r := range v {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return fmt.Errorf("%s %q: contains control or invalid characters", f, v)
		}
	}
	return nil
}

func (s *DB) SetEmployeeFields(ctx context.Context, number string, fields map[string]string, actor string, now time.Time) (clockface.Employee, error) {
	if len(fields) == 0 {
		return clockface.Employee{}, errors.New("set employee: no field given")
	}
	for f, v := range fields {
		if err := checkField(f, v); err != nil {
			return clockface.Employee{}, fmt.Errorf("set employee %s: %w", number, err)
		}
	}
	var after clockface.Employee
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := s.employee(ctx, tx, number)
		if err != nil {
			return err
		}
		detail := map[string][2]string{}
		for _, f := range DirectoryFields {
			v, ok := fields[f]
			if !ok {
				continue
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO employee_hub_fields (number, field, value) VALUES (?, ?, ?)
				ON CONFLICT (number, field) DO UPDATE SET value = excluded.value`, number, f, v); err != nil {
				return fmt.Errorf("set employee %s: %w", number, err)
			}
			detail[f] = [2]string{fieldValue(before, f), v}
		}
		if err := s.audit(ctx, tx, now, actor, "employee.set", number, detail); err != nil {
			return err
		}
		after, err = s.employee(ctx, tx, number)
		return err
	})
	return after, err
}

// employeeUpsert stores a kiosk's directory entry. An empty first or last
// name or payroll id keeps the value uploaded before (a kiosk whose ledger
// does not hold them yet blanks nothing); hub edits live apart and win.
// Only the kiosk that owns the employee (the first that uploaded the
// number) may change the entry; another kiosk's upload changes nothing.
const employeeUpsert = `INSERT INTO employees (number, name, status, updated_at,
	first_name, last_name, adp_file_number, paychex_worker_id, gusto_id, quickbooks_name, owner_kiosk) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (number) DO UPDATE SET name = excluded.name, status = excluded.status, updated_at = excluded.updated_at,
	owner_kiosk = excluded.owner_kiosk,
	first_name = CASE WHEN excluded.first_name <> '' THEN excluded.first_name ELSE employees.first_name END,
	last_name = CASE WHEN excluded.last_name <> '' THEN excluded.last_name ELSE employees.last_name END,
	adp_file_number = CASE WHEN excluded.adp_file_number <> '' THEN excluded.adp_file_number ELSE employees.adp_file_number END,
	paychex_worker_id = CASE WHEN excluded.paychex_worker_id <> '' THEN excluded.paychex_worker_id ELSE employees.paychex_worker_id END,
	gusto_id = CASE WHEN excluded.gusto_id <> '' THEN excluded.gusto_id ELSE employees.gusto_id END,
	quickbooks_name = CASE WHEN excluded.quickbooks_name <> '' THEN excluded.quickbooks_name ELSE employees.quickbooks_name END
	WHERE employees.owner_kiosk = excluded.owner_kiosk OR employees.owner_kiosk = ''`
