package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"clockface"
)

// Punch records a punch: Record without the employee.
func (l *Ledger) Punch(ctx context.Context, r clockface.PunchRequest) (clockface.Punch, bool, error) {
	res, err := l.Record(ctx, r)
	return res.Punch, res.Created, err
}

// errNoFaceTemplate refuses a face punch of an employee without a template
// (withdrawn or erased since the kiosk loaded its gallery).
var errNoFaceTemplate = fmt.Errorf("no face template: %w", clockface.ErrRestricted)

// Record records a punch and returns it with the employee, all in one
// transaction. Within Config.Debounce of the employee's last live punch it
// stores nothing (no punch, no snapshot) and returns that punch with
// Created false. It refuses unknown (clockface.ErrUnknownEmployee) and
// terminated (clockface.ErrTerminated) employees, face punches of
// restricted or template-less ones (clockface.ErrRestricted), and
// locked-out ones (*clockface.LockedError); the result still names the
// employee when one was found. A face punch's Snapshot is encrypted under
// the employee's data key and stored with the punch it belongs to
// (Evidence.SnapshotID). A successful punch resets the failure count. The
// punch, its snapshot and its outbox event are committed together and are
// on disk when Record returns.
func (l *Ledger) Record(ctx context.Context, r clockface.PunchRequest) (clockface.PunchResult, error) {
	if err := checkRequest(r); err != nil {
		return clockface.PunchResult{}, fmt.Errorf("punch: %w", err)
	}
	var res clockface.PunchResult
	err := l.tx(ctx, func(tx *sql.Tx) error {
		now := l.now()
		e, until, err := punchingEmployee(ctx, tx, r.Employee)
		if err != nil {
			return err
		}
		res.Employee = e
		switch {
		case e.Status != clockface.StatusActive:
			return clockface.ErrTerminated
		case r.Method == clockface.MethodFace && e.RestrictedToPIN:
			return clockface.ErrRestricted
		case r.Method == clockface.MethodFace && !e.HasFace:
			return errNoFaceTemplate
		}
		if err := lockedErr(r.Employee, until, now); err != nil {
			return err
		}
		last, err := lastPunch(ctx, tx, e.ID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		hasLast := err == nil
		if hasLast && l.cfg.Debounce > 0 && now.Sub(last.At) < l.cfg.Debounce && !now.Before(last.At) {
			res.Punch = last
			return nil
		}
		kind := r.Kind
		if kind == "" {
			kind = nextKind(last.Kind, hasLast, l.cfg.Breaks)
		}
		ev := r.Evidence
		if len(r.Snapshot) > 0 {
			if ev.SnapshotID, err = l.saveSnapshot(ctx, tx, e.ID, e.Number, r.Snapshot, SnapshotPunch, now); err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
		}
		u, err := uuid.NewV7()
		if err != nil {
			return err
		}
		p := clockface.Punch{
			ID:             u.String(),
			EmployeeNumber: r.Employee,
			Kind:           kind,
			Method:         r.Method,
			At:             fromNanos(nanos(now)),
			KioskID:        l.cfg.KioskID,
			Evidence:       ev,
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO punches (id, employee_id, kind, method, at, kiosk_id, distance, margin, liveness, snapshot_id, model, effective_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, e.ID, p.Kind, p.Method, nanos(p.At), p.KioskID, p.Evidence.Distance, p.Evidence.Margin, p.Evidence.Liveness,
			p.Evidence.SnapshotID, p.Evidence.Model, nanos(p.At))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE employee_id = ?`, e.ID); err != nil {
			return err
		}
		res.Punch, res.Created = p, true
		return l.enqueue(ctx, tx, clockface.EventPunch, p, now)
	})
	if err != nil {
		res.Punch, res.Created = clockface.Punch{}, false
		return res, fmt.Errorf("punch %s: %w", r.Employee, err)
	}
	return res, nil
}

// checkRequest refuses a malformed punch request before any transaction.
func checkRequest(r clockface.PunchRequest) error {
	switch {
	case !r.Method.Valid():
		return fmt.Errorf("unknown method %q", r.Method)
	case r.Kind != "" && !r.Kind.Valid():
		return fmt.Errorf("unknown kind %q", r.Kind)
	case r.Method != clockface.MethodFace && (r.Evidence != (clockface.Evidence{}) || len(r.Snapshot) > 0):
		return fmt.Errorf("%s punch with face evidence", r.Method)
	case len(r.Snapshot) > 0 && r.Evidence.SnapshotID != 0:
		return errors.New("a snapshot and a snapshot id: the ledger sets the id")
	}
	return nil
}

// punchingEmployee reads the employee and their lockout time in one query.
func punchingEmployee(ctx context.Context, tx *sql.Tx, number string) (clockface.Employee, int64, error) {
	var until sql.NullInt64
	row := tx.QueryRowContext(ctx, `SELECT `+employeeCols+`, a.locked_until FROM employees e
		LEFT JOIN attempts a ON a.employee_id = e.id WHERE e.number = ?`, number)
	e, err := scanEmployee(withExtra{row, []any{&until}})
	if errors.Is(err, sql.ErrNoRows) {
		return clockface.Employee{}, 0, fmt.Errorf("employee %q: %w", number, clockface.ErrUnknownEmployee)
	}
	return e, until.Int64, err
}

// withExtra scans a row's trailing columns into extra after those its
// caller asks for, so scanEmployee reads a row with more columns.
type withExtra struct {
	row   *sql.Row
	extra []any
}

func (w withExtra) Scan(dst ...any) error { return w.row.Scan(append(dst, w.extra...)...) }

func nextKind(last clockface.PunchKind, hasLast, breaks bool) clockface.PunchKind {
	if !hasLast {
		return clockface.PunchIn
	}
	switch last {
	case clockface.PunchIn:
		if breaks {
			return clockface.BreakStart
		}
		return clockface.PunchOut
	case clockface.BreakStart:
		return clockface.BreakEnd
	case clockface.BreakEnd:
		return clockface.PunchOut
	default:
		return clockface.PunchIn
	}
}

// NextKind is the kind the employee's next punch will get.
func (l *Ledger) NextKind(ctx context.Context, number string) (clockface.PunchKind, error) {
	id, err := employeeID(ctx, l.db, number)
	if err != nil {
		return "", fmt.Errorf("next kind: %w", err)
	}
	last, err := lastPunch(ctx, l.db, id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("next kind of %s: %w", number, err)
	}
	return nextKind(last.Kind, err == nil, l.cfg.Breaks), nil
}

const punchCols = `p.id, e.number, p.kind, p.method, p.at, p.kiosk_id, p.distance, p.margin, p.liveness, p.snapshot_id, p.model,
	p.effective_at, p.corrected_by, p.correction_reason, p.corrected_when, p.voided_by, p.void_reason, p.voided_when`

func scanPunch(sc interface{ Scan(...any) error }) (clockface.Punch, error) {
	var (
		p                  clockface.Punch
		at, eff            int64
		corrBy, corrReason sql.NullString
		corrWhen           sql.NullInt64
		voidBy, voidReason sql.NullString
		voidWhen           sql.NullInt64
	)
	err := sc.Scan(&p.ID, &p.EmployeeNumber, &p.Kind, &p.Method, &at, &p.KioskID, &p.Evidence.Distance, &p.Evidence.Margin,
		&p.Evidence.Liveness, &p.Evidence.SnapshotID, &p.Evidence.Model, &eff, &corrBy, &corrReason, &corrWhen, &voidBy, &voidReason, &voidWhen)
	if err != nil {
		return clockface.Punch{}, err
	}
	p.At = fromNanos(at)
	if corrWhen.Valid {
		p.Corrected = &clockface.Correction{At: fromNanos(eff), By: corrBy.String, Reason: corrReason.String, When: fromNanos(corrWhen.Int64)}
	}
	if voidWhen.Valid {
		p.Voided = &clockface.Void{By: voidBy.String, Reason: voidReason.String, When: fromNanos(voidWhen.Int64)}
	}
	return p, nil
}

// lastPunch is the employee's latest punch that was not voided, by kiosk
// time.
func lastPunch(ctx context.Context, q querier, empID int64) (clockface.Punch, error) {
	return scanPunch(q.QueryRowContext(ctx, `SELECT `+punchCols+` FROM punches p JOIN employees e ON e.id = p.employee_id
		WHERE p.employee_id = ? AND p.voided_when IS NULL ORDER BY p.at DESC, p.id DESC LIMIT 1`, empID))
}

func getPunch(ctx context.Context, q querier, id string) (clockface.Punch, error) {
	p, err := scanPunch(q.QueryRowContext(ctx, `SELECT `+punchCols+` FROM punches p JOIN employees e ON e.id = p.employee_id WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return clockface.Punch{}, fmt.Errorf("punch %s: %w", id, clockface.ErrNotFound)
	}
	return p, err
}

// GetPunch returns one punch by id.
func (l *Ledger) GetPunch(ctx context.Context, id string) (clockface.Punch, error) {
	p, err := getPunch(ctx, l.db, id)
	if err != nil {
		return clockface.Punch{}, fmt.Errorf("get punch: %w", err)
	}
	return p, nil
}

// VoidPunch takes a punch out of timesheets (the kiosk's undo). The row
// stays, with who voided it, when and why.
func (l *Ledger) VoidPunch(ctx context.Context, id, actor, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("void punch %s: a reason is required", id)
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		now := l.now()
		res, err := tx.ExecContext(ctx, `UPDATE punches SET voided_by = ?, void_reason = ?, voided_when = ? WHERE id = ? AND voided_when IS NULL`,
			actorOr(actor), reason, nanos(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := getPunch(ctx, tx, id); err != nil {
				return err
			}
			return errors.New("already voided")
		}
		p, err := getPunch(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := l.enqueue(ctx, tx, clockface.EventVoid, p, now); err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "punch.void", id, map[string]any{"employee": p.EmployeeNumber, "reason": reason})
	})
	if err != nil {
		return fmt.Errorf("void punch %s: %w", id, err)
	}
	return nil
}

// CorrectPunch sets the punch's effective time to at. The original kiosk
// time stays in Punch.At; every correction is kept with who, when and why.
func (l *Ledger) CorrectPunch(ctx context.Context, id string, at time.Time, actor, reason string) (clockface.Punch, error) {
	if strings.TrimSpace(reason) == "" {
		return clockface.Punch{}, fmt.Errorf("correct punch %s: a reason is required", id)
	}
	if at.IsZero() {
		return clockface.Punch{}, fmt.Errorf("correct punch %s: no time", id)
	}
	actor = actorOr(actor)
	var p clockface.Punch
	err := l.tx(ctx, func(tx *sql.Tx) error {
		now := l.now()
		old, err := getPunch(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Voided != nil {
			return errors.New("punch is voided")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE punches SET effective_at = ?, corrected_by = ?, correction_reason = ?, corrected_when = ? WHERE id = ?`,
			nanos(at), actor, reason, nanos(now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO punch_corrections (punch_id, old_at, new_at, actor, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, nanos(old.Time()), nanos(at), actor, reason, nanos(now)); err != nil {
			return err
		}
		if p, err = getPunch(ctx, tx, id); err != nil {
			return err
		}
		if err := l.enqueue(ctx, tx, clockface.EventCorrection, p, now); err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "punch.correct", id, map[string]any{
			"employee": p.EmployeeNumber, "original": p.At, "from": old.Time(), "to": p.Time(), "reason": reason})
	})
	if err != nil {
		return clockface.Punch{}, fmt.Errorf("correct punch %s: %w", id, err)
	}
	return p, nil
}

// CorrectionRecord is one entry of a punch's correction history.
type CorrectionRecord struct {
	PunchID string    `json:"punch_id"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	By      string    `json:"by"`
	Reason  string    `json:"reason"`
	When    time.Time `json:"when"`
}

// Corrections returns every correction of a punch, oldest first.
func (l *Ledger) Corrections(ctx context.Context, punchID string) ([]CorrectionRecord, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT punch_id, old_at, new_at, actor, reason, created_at FROM punch_corrections WHERE punch_id = ? ORDER BY seq`, punchID)
	if err != nil {
		return nil, fmt.Errorf("corrections of %s: %w", punchID, err)
	}
	defer rows.Close()
	var out []CorrectionRecord
	for rows.Next() {
		var c CorrectionRecord
		var from, to, when int64
		if err := rows.Scan(&c.PunchID, &from, &to, &c.By, &c.Reason, &when); err != nil {
			return nil, fmt.Errorf("corrections of %s: %w", punchID, err)
		}
		c.From, c.To, c.When = fromNanos(from), fromNanos(to), fromNanos(when)
		out = append(out, c)
	}
	return out, rows.Err()
}

func actorOr(a string) string {
	if a == "" {
		return "system"
	}
	return a
}

// Punches returns the punches whose effective time is in [from, to),
// voided ones included (Punch.Voided says so), by effective time.
func (l *Ledger) Punches(ctx context.Context, from, to time.Time) ([]clockface.Punch, error) {
	return l.punches(ctx, `WHERE p.effective_at >= ? AND p.effective_at < ? ORDER BY p.effective_at, p.id`, nanos(from), nanos(to))
}

// EmployeePunches returns all of the employee's punches by kiosk time.
func (l *Ledger) EmployeePunches(ctx context.Context, number string) ([]clockface.Punch, error) {
	id, err := employeeID(ctx, l.db, number)
	if err != nil {
		return nil, fmt.Errorf("employee punches: %w", err)
	}
	return l.punches(ctx, `WHERE p.employee_id = ? ORDER BY p.at, p.id`, id)
}

func (l *Ledger) punches(ctx context.Context, where string, args ...any) ([]clockface.Punch, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+punchCols+` FROM punches p JOIN employees e ON e.id = p.employee_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("punches: %w", err)
	}
	defer rows.Close()
	var out []clockface.Punch
	for rows.Next() {
		p, err := scanPunch(rows)
		if err != nil {
			return nil, fmt.Errorf("punches: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("punches: %w", err)
	}
	return out, nil
}

func (l *Ledger) enqueue(ctx context.Context, tx *sql.Tx, typ string, p clockface.Punch, now time.Time) error {
	u, err := uuid.NewV7()
	if err != nil {
		return err
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (event_id, type, punch_id, payload, at) VALUES (?, ?, ?, ?, ?)`,
		u.String(), typ, p.ID, string(payload), nanos(now))
	return err
}

// PendingOutbox returns up to limit unacknowledged events, oldest first.
func (l *Ledger) PendingOutbox(ctx context.Context, limit int) ([]clockface.OutboxEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := l.db.QueryContext(ctx, `SELECT seq, event_id, type, payload, at FROM outbox ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending outbox: %w", err)
	}
	defer rows.Close()
	var out []clockface.OutboxEvent
	for rows.Next() {
		var ev clockface.OutboxEvent
		var payload string
		var at int64
		if err := rows.Scan(&ev.Seq, &ev.ID, &ev.Type, &payload, &at); err != nil {
			return nil, fmt.Errorf("pending outbox: %w", err)
		}
		if err := json.Unmarshal([]byte(payload), &ev.Punch); err != nil {
			return nil, fmt.Errorf("pending outbox: event %d: %w", ev.Seq, err)
		}
		ev.At = fromNanos(at)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending outbox: %w", err)
	}
	return out, nil
}

// AckOutbox deletes events the hub has acknowledged. Unknown sequence
// numbers are ignored, so a repeated ack is harmless.
func (l *Ledger) AckOutbox(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `DELETE FROM outbox WHERE seq = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, s := range seqs {
			if _, err := st.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack outbox: %w", err)
	}
	return nil
}

// OutboxLen is the number of unacknowledged events.
func (l *Ledger) OutboxLen(ctx context.Context) (int, error) {
	var n int
	if err := l.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	return n, nil
}
