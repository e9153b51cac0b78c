package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"clockface/sync/wire"
)

// Sites and where employees belong. A site is a named place with kiosks
// (`hub site add`, the dashboard's Kiosks screen assigns kiosks to it). An
// employee's site and department are set on the hub only (`hub employee
// set --site --department`, the dashboard's Employees screen) and kept in
// their own table, which no kiosk upload touches. A kiosk with no site is
// a site of its own, named by its id, as before sites existed.

// Site is one named site.
type Site struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Placement is where an employee belongs: both empty until HR sets them.
type Placement struct {
	Site       string `json:"site"`
	Department string `json:"department"`
}

// RosterEntry is the little of the directory a board of thousands needs.
type RosterEntry struct {
	Number, Name string
	Placement
}

// ErrInvalidInput is wrapped by every refusal of bad input from the
// dashboard's and CLI's site, placement, kiosk and request calls (the
// message says what is wrong); nothing is changed.
var ErrInvalidInput = errors.New("invalid input")

type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }
func (e *inputError) Unwrap() error { return ErrInvalidInput }

func invalid(format string, args ...any) error { return &inputError{fmt.Sprintf(format, args...)} }

// ErrUnknownSite: no site has that id.
var ErrUnknownSite = errors.New("unknown site (add it with `hub site add`)")

var siteID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// checkText refuses control or invalid characters and over-long values
// (wire.MaxDirectoryField bytes) in a free text field.
func checkText(name, v string) error {
	if len(v) > wire.MaxDirectoryField {
		return invalid("%s: longer than %d bytes", name, wire.MaxDirectoryField)
	}
	for _, r := range v {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return invalid("%s %q: contains control or invalid characters", name, v)
		}
	}
	return nil
}

// AddSite adds a named site, audited with actor. The id is lower-case
// letters, digits, '.', '_' and '-' (at most 64), and must not be taken
// by a site or by a kiosk without a site (which is a site of that id).
func (s *DB) AddSite(ctx context.Context, id, name, actor string, now time.Time) (Site, error) {
	name = strings.TrimSpace(name)
	if !siteID.MatchString(id) {
		return Site{}, invalid("site id %q: want lower-case letters, digits, '.', '_' or '-', at most 64", id)
	}
	if name == "" {
		return Site{}, invalid("site %s: a name is required", id)
	}
	if err := checkText("site name", name); err != nil {
		return Site{}, fmt.Errorf("site %s: %w", id, err)
	}
	st := Site{ID: id, Name: name, CreatedAt: now}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT (SELECT COUNT(*) FROM sites WHERE id = ?) +
			(SELECT COUNT(*) FROM kiosks WHERE id = ? AND site = '')`), id, id).Scan(&n); err != nil {
			return fmt.Errorf("add site %s: %w", id, err)
		}
		if n > 0 {
			return invalid("add site %s: the id is taken", id)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO sites (id, name, created_at) VALUES (?, ?, ?)`, id, name, nanos(now)); err != nil {
			return fmt.Errorf("add site %s: %w", id, err)
		}
		return s.audit(ctx, tx, now, actor, "site.add", id, map[string]string{"name": name})
	})
	if err != nil {
		return Site{}, err
	}
	return st, nil
}

// NamedSites lists the sites added with AddSite, by id.
func (s *DB) NamedSites(ctx context.Context) ([]Site, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_at FROM sites ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	defer rows.Close()
	var out []Site
	for rows.Next() {
		var st Site
		var at int64
		if err := rows.Scan(&st.ID, &st.Name, &at); err != nil {
			return nil, fmt.Errorf("sites: %w", err)
		}
		st.CreatedAt = fromNanos(at)
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s *DB) siteExists(ctx context.Context, q execer, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM sites WHERE id = ?`), id).Scan(&n); err != nil {
		return fmt.Errorf("site %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("site %q: %w", id, ErrUnknownSite)
	}
	return nil
}

// AssignKiosk puts a kiosk at a named site ("" takes it off: it is then a
// site of its own again), audited with actor.
func (s *DB) AssignKiosk(ctx context.Context, kioskID, site, actor string, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if site != "" {
			if err := s.siteExists(ctx, tx, site); err != nil {
				return err
			}
		}
		var before string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT site FROM kiosks WHERE id = ?`), kioskID).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", ErrUnknownKiosk, kioskID)
		}
		if err != nil {
			return fmt.Errorf("kiosk %s: %w", kioskID, err)
		}
		if _, err := s.exec(ctx, tx, `UPDATE kiosks SET site = ? WHERE id = ?`, site, kioskID); err != nil {
			return fmt.Errorf("assign kiosk %s: %w", kioskID, err)
		}
		return s.audit(ctx, tx, now, actor, "kiosk.site", kioskID, map[string][2]string{"site": {before, site}})
	})
}

// SetPlacement sets a known employee's site (a named site, or "" for
// none) and department (free text, "" for none), audited with actor and
// both values before and after. Kiosk syncs never change them.
func (s *DB) SetPlacement(ctx context.Context, number string, p Placement, actor string, now time.Time) error {
	p.Department = strings.TrimSpace(p.Department)
	if err := checkText("department", p.Department); err != nil {
		return fmt.Errorf("employee %s: %w", number, err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.employee(ctx, tx, number); err != nil {
			return err
		}
		if p.Site != "" {
			if err := s.siteExists(ctx, tx, p.Site); err != nil {
				return err
			}
		}
		before, err := s.placement(ctx, tx, number)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO employee_placement (number, site, department) VALUES (?, ?, ?)
			ON CONFLICT (number) DO UPDATE SET site = excluded.site, department = excluded.department`, number, p.Site, p.Department); err != nil {
			return fmt.Errorf("employee %s: %w", number, err)
		}
		return s.audit(ctx, tx, now, actor, "employee.placement", number, map[string][2]string{
			"site": {before.Site, p.Site}, "department": {before.Department, p.Department}})
	})
}

func (s *DB) placement(ctx context.Context, q execer, number string) (Placement, error) {
	var p Placement
	err := q.QueryRowContext(ctx, s.rebind(`SELECT site, department FROM employee_placement WHERE number = ?`), number).Scan(&p.Site, &p.Department)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Placement{}, fmt.Errorf("employee %s: %w", number, err)
	}
	return p, nil
}

// PlacementOf is one employee's site and department (both empty when
// never set).
func (s *DB) PlacementOf(ctx context.Context, number string) (Placement, error) {
	return s.placement(ctx, s.db, number)
}

// Roster is every directory entry's number, name, site and department, in
// no order: one narrow read for the who's-in board.
func (s *DB) Roster(ctx context.Context) ([]RosterEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.number, e.name, COALESCE(p.site, ''), COALESCE(p.department, '')
		FROM employees e LEFT JOIN employee_placement p ON p.number = e.number`)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	defer rows.Close()
	var out []RosterEntry
	for rows.Next() {
		var e RosterEntry
		if err := rows.Scan(&e.Number, &e.Name, &e.Site, &e.Department); err != nil {
			return nil, fmt.Errorf("roster: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
