package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/attendance"
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
// transaction.
//
// The kind: a request's Kind is what the person chose and is recorded as
// chosen. An empty Kind is the walk-up default: the likely next kind from
// the employee's state (NextKinds). A chosen kind that contradicts the
// state (in while already in, a break while out, ...) is recorded all the
// same, flagged in the punch row and the result (Flag) and audited
// (punch.contradicting_kind), never dropped; attendance flags it
// contradicting_kind in every timesheet.
//
// The debounce: within Config.Debounce of the employee's last punch
// recorded here, a walk-up request (empty Kind) or one choosing that same
// kind stores nothing (no punch, no snapshot) and returns that punch with
// Created false. A different kind chosen on purpose (out 30 s after in) is
// a real punch.
//
// It refuses unknown (clockface.ErrUnknownEmployee) and terminated
// (clockface.ErrTerminated) employees, face punches of restricted or
// template-less ones (clockface.ErrRestricted), and locked-out ones
// (*clockface.LockedError); the result still names the employee when one
// was found. A face punch's Snapshot is encrypted under the employee's data
// key and stored with the punch it belongs to (Evidence.SnapshotID). A
// successful punch resets the failure count. The punch, its snapshot and its
// outbox event are committed together and are on disk when Record returns.
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
		st, err := l.stateAt(ctx, tx, e.ID, now)
		if err != nil {
			return err
		}
		kind := r.Kind
		if kind == "" {
			kind = l.nextKinds(st)[0]
		}
		last, err := lastPunch(ctx, tx, e.ID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		hasLast := err == nil
		if hasLast && l.cfg.Debounce > 0 && now.Sub(last.At) < l.cfg.Debounce && !now.Before(last.At) &&
			(r.Kind == "" || r.Kind == last.Kind) {
			res.Punch = last
			return nil
		}
		flag := contradiction(st, kind)
		ev := r.Evidence
		if len(r.Snapshot) > 0 {
			if ev.SnapshotID, err = l.saveSnapshot(ctx, tx, e.ID, e.Number, r.Snapshot, SnapshotPunch, now); err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
		}
		p, err := l.insertPunch(ctx, tx, e, kind, r.Method, now, ev, flag)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE employee_id = ?`, e.ID); err != nil {
			return err
		}
		res.Punch, res.Created, res.Flag = p, true, flag
		if err := l.enqueue(ctx, tx, clockface.EventPunch, p, now); err != nil {
			return err
		}
		if flag != "" {
			return l.audit(ctx, tx, "", "punch.contradicting_kind", p.ID, contradictionDetail(p, st, r.Method))
		}
		return nil
	})
	if err != nil {
		res.Punch, res.Created, res.Flag = clockface.Punch{}, false, ""
		return res, fmt.Errorf("punch %s: %w", r.Employee, err)
	}
	return res, nil
}

// insertPunch stores a new punch of e at t (its kiosk time and effective
// time) and returns it.
func (l *Ledger) insertPunch(ctx context.Context, tx *sql.Tx, e clockface.Employee, kind clockface.PunchKind, m clockface.Method,
	t time.Time, ev clockface.Evidence, flag string) (clockface.Punch, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return clockface.Punch{}, err
	}
	p := clockface.Punch{
		ID:             u.String(),
		EmployeeNumber: e.Number,
		Kind:           kind,
		Method:         m,
		At:             fromNanos(nanos(t)),
		KioskID:        l.cfg.KioskID,
		Evidence:       ev,
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO punches (id, employee_id, kind, method, at, kiosk_id, distance, margin, liveness, snapshot_id, model, effective_at, flag)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, e.ID, p.Kind, p.Method, nanos(p.At), p.KioskID, p.Evidence.Distance, p.Evidence.Margin, p.Evidence.Liveness,
		p.Evidence.SnapshotID, p.Evidence.Model, nanos(p.At), flag)
	return p, err
}

// contradiction is clockface.FlagContradictingKind when kind is none of
// the kinds that make sense in st, else "".
func contradiction(st attendance.Status, kind clockface.PunchKind) string {
	if slices.Contains(attendance.NextKinds(st), kind) {
		return ""
	}
	return clockface.FlagContradictingKind
}

func contradictionDetail(p clockface.Punch, st attendance.Status, m clockface.Method) map[string]any {
	d := map[string]any{"employee": p.EmployeeNumber, "kind": p.Kind, "method": m, "state": st.Kind,
		"expected": attendance.NextKinds(st)}
	if !st.Since.IsZero() {
		d["since"] = st.Since
	}
	return d
}

// checkRequest refuses a malformed punch request before any transaction.
func checkRequest(r clockface.PunchRequest) error {
	switch {
	case !r.Method.Valid():
		return fmt.Errorf("unknown method %q", r.Method)
	case r.Method == clockface.MethodAdmin:
		return errors.New("an admin punch is added with AddPunch, with an actor and a reason")
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

// stateWindow is how far back, in multiples of MaxShift, State reads an
// employee's punches. An in-punch older than MaxShift keeps nobody in, so
// punches before two MaxShifts cannot change the state now.
const stateWindow = 2

// stateAt is the employee's state at t from this ledger's punches
// (attendance.State: by effective time, voided ones ignored), or the
// hub's remote state when that is later (withRemote).
func (l *Ledger) stateAt(ctx context.Context, q querier, empID int64, t time.Time) (attendance.Status, error) {
	from := t.Add(-stateWindow * l.cfg.MaxShift)
	ps, err := queryPunches(ctx, q, `WHERE p.employee_id = ? AND p.effective_at >= ? AND p.effective_at <= ? AND p.voided_when IS NULL
		ORDER BY p.effective_at, p.id`, empID, nanos(from), nanos(t))
	if err != nil {
		return attendance.Status{}, fmt.Errorf("state: %w", err)
	}
	return withRemote(ctx, q, empID, attendance.State(ps, t, l.cfg.MaxShift), t, l.cfg.MaxShift)
}

// nextKinds is attendance.NextKinds, except that with Config.Breaks a
// shift without a break yet offers break_start first.
func (l *Ledger) nextKinds(st attendance.Status) []clockface.PunchKind {
	ks := attendance.NextKinds(st)
	if l.cfg.Breaks && st.Kind == clockface.PunchIn && st.Since.Equal(st.ShiftStart) {
		return []clockface.PunchKind{clockface.BreakStart, clockface.PunchOut}
	}
	return ks
}

// State is the employee's attendance state now: working (Kind
// clockface.PunchIn), on a break (clockface.BreakStart) or out, and since
// when, from this ledger's punches paired as attendance pairs them. An
// in-punch older than Config.MaxShift counts as out (Stale). It is the
// later of this kiosk's own state and the one the hub last sent from the
// other kiosks' punches (ApplyDownstream); with no sync, its own.
func (l *Ledger) State(ctx context.Context, number string) (attendance.Status, error) {
	id, err := employeeID(ctx, l.db, number)
	if err != nil {
		return attendance.Status{}, fmt.Errorf("state: %w", err)
	}
	st, err := l.stateAt(ctx, l.db, id, l.now())
	if err != nil {
		return attendance.Status{}, fmt.Errorf("state of %s: %w", number, err)
	}
	return st, nil
}

// NextKinds lists the kinds that make sense for the employee now, the
// walk-up default first (what Record takes for an empty Kind): out → in;
// working → out, break start (break start first with Config.Breaks until
// the shift had one); on break → break end, out. The kiosk preselects the
// first and offers the others; any other kind is still recorded, flagged.
func (l *Ledger) NextKinds(ctx context.Context, number string) ([]clockface.PunchKind, error) {
	st, err := l.State(ctx, number)
	if err != nil {
		return nil, fmt.Errorf("next kinds: %w", err)
	}
	return l.nextKinds(st), nil
}

// NextKind is the walk-up default: NextKinds' first.
func (l *Ledger) NextKind(ctx context.Context, number string) (clockface.PunchKind, error) {
	ks, err := l.NextKinds(ctx, number)
	if err != nil {
		return "", err
	}
	return ks[0], nil
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

// lastPunch is the employee's latest punch made at the kiosk (not added
// by an admin) that was not voided, by kiosk time: what the debounce
// compares with.
func lastPunch(ctx context.Context, q querier, empID int64) (clockface.Punch, error) {
	return scanPunch(q.QueryRowContext(ctx, `SELECT `+punchCols+` FROM punches p JOIN employees e ON e.id = p.employee_id
		WHERE p.employee_id = ? AND p.voided_when IS NULL AND p.method <> 'admin' ORDER BY p.at DESC, p.id DESC LIMIT 1`, empID))
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

// MaxRepairAhead is how far past now an admin may add or move a punch
// (a schedule entered the evening before); later is refused as a typo.
const MaxRepairAhead = 24 * time.Hour

// checkRepairTime refuses a zero time and one more than MaxRepairAhead
// after now.
func checkRepairTime(t, now time.Time) error {
	switch {
	case t.IsZero():
		return errors.New("no time")
	case t.After(now.Add(MaxRepairAhead)):
		return fmt.Errorf("%s is more than %s ahead of now (%s)", t.UTC().Format(time.RFC3339), MaxRepairAhead, now.UTC().Format(time.RFC3339))
	}
	return nil
}

func checkKind(k clockface.PunchKind) error {
	if !k.Valid() {
		return fmt.Errorf("unknown punch kind %q (want in, out, break_start or break_end)", k)
	}
	return nil
}

// AddPunch adds a punch an admin enters for the employee (a missed punch):
// method clockface.MethodAdmin, at the given time, on this kiosk. The
// actor and reason are audited (punch.add) and the punch goes to the hub as
// an ordinary punch event. A kind that contradicts the employee's state at
// that time is added and flagged, as Record does. An unknown employee, an
// unknown kind, an empty reason, a zero time or one more than
// MaxRepairAhead ahead store nothing. Terminated employees are allowed: a
// last shift may need repair after termination.
func (l *Ledger) AddPunch(ctx context.Context, number string, kind clockface.PunchKind, at time.Time, actor, reason string) (clockface.PunchResult, error) {
	if err := errors.Join(checkKind(kind), checkReason(reason), checkRepairTime(at, l.now())); err != nil {
		return clockface.PunchResult{}, fmt.Errorf("add punch for %s: %w", number, err)
	}
	actor = actorOr(actor)
	var res clockface.PunchResult
	err := l.tx(ctx, func(tx *sql.Tx) error {
		now := l.now()
		e, _, err := punchingEmployee(ctx, tx, number)
		if err != nil {
			return err
		}
		res.Employee = e
		st, err := l.stateAt(ctx, tx, e.ID, at)
		if err != nil {
			return err
		}
		flag := contradiction(st, kind)
		p, err := l.insertPunch(ctx, tx, e, kind, clockface.MethodAdmin, at, clockface.Evidence{}, flag)
		if err != nil {
			return err
		}
		res.Punch, res.Created, res.Flag = p, true, flag
		if err := l.enqueue(ctx, tx, clockface.EventPunch, p, now); err != nil {
			return err
		}
		detail := map[string]any{"employee": e.Number, "kind": kind, "at": p.At, "reason": reason}
		if flag != "" {
			detail["flag"] = flag
			detail["state"] = st.Kind
			detail["expected"] = attendance.NextKinds(st)
		}
		return l.audit(ctx, tx, actor, "punch.add", p.ID, detail)
	})
	if err != nil {
		return clockface.PunchResult{}, fmt.Errorf("add punch for %s: %w", number, err)
	}
	return res, nil
}

func checkReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return errors.New("a reason is required")
	}
	return nil
}

// PunchChange is a correction: a new effective time, a new kind, or both.
type PunchChange struct {
	At   time.Time           // zero keeps the time
	Kind clockface.PunchKind // "" keeps the kind
}

// CorrectPunch sets the punch's effective time to at: Correct with a time
// only.
func (l *Ledger) CorrectPunch(ctx context.Context, id string, at time.Time, actor, reason string) (clockface.Punch, error) {
	if at.IsZero() {
		return clockface.Punch{}, fmt.Errorf("correct punch %s: no time", id)
	}
	return l.Correct(ctx, id, PunchChange{At: at}, actor, reason)
}

// Correct changes a punch's effective time, its kind, or both. The
// original stays: the kiosk time in Punch.At, the recorded kind in the
// row's original_kind, and every correction in Corrections with who, when,
// why and what changed. Punch.Kind becomes the corrected kind (what
// timesheets pair) and Punch.Corrected names the latest correction. The
// punch goes to the hub as a correction event carrying the punch's whole
// state, new kind included. A voided or unknown punch, an empty reason,
// an unknown kind, a time more than MaxRepairAhead ahead, or a change that
// changes nothing store nothing.
func (l *Ledger) Correct(ctx context.Context, id string, c PunchChange, actor, reason string) (clockface.Punch, error) {
	err := checkReason(reason)
	if c.At.IsZero() && c.Kind == "" {
		err = errors.Join(err, errors.New("nothing to correct: give a time, a kind or both"))
	}
	if c.Kind != "" {
		err = errors.Join(err, checkKind(c.Kind))
	}
	if !c.At.IsZero() {
		err = errors.Join(err, checkRepairTime(c.At, l.now()))
	}
	if err != nil {
		return clockface.Punch{}, fmt.Errorf("correct punch %s: %w", id, err)
	}
	actor = actorOr(actor)
	var p clockface.Punch
	err = l.tx(ctx, func(tx *sql.Tx) error {
		now := l.now()
		old, err := getPunch(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Voided != nil {
			return errors.New("punch is voided")
		}
		at, kind := old.Time(), old.Kind
		if !c.At.IsZero() {
			at = c.At
		}
		if c.Kind != "" {
			kind = c.Kind
		}
		if at.Equal(old.Time()) && kind == old.Kind {
			return errors.New("nothing changes: the punch already has that time and kind")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE punches SET effective_at = ?, corrected_by = ?, correction_reason = ?, corrected_when = ?,
			original_kind = CASE WHEN ? <> kind THEN COALESCE(original_kind, kind) ELSE original_kind END, kind = ? WHERE id = ?`,
			nanos(at), actor, reason, nanos(now), kind, kind, id); err != nil {
			return err
		}
		var oldKind, newKind sql.NullString
		if kind != old.Kind {
			oldKind, newKind = sql.NullString{String: string(old.Kind), Valid: true}, sql.NullString{String: string(kind), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO punch_corrections (punch_id, old_at, new_at, actor, reason, created_at, old_kind, new_kind)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, nanos(old.Time()), nanos(at), actor, reason, nanos(now), oldKind, newKind); err != nil {
			return err
		}
		if p, err = getPunch(ctx, tx, id); err != nil {
			return err
		}
		if err := l.enqueue(ctx, tx, clockface.EventCorrection, p, now); err != nil {
			return err
		}
		detail := map[string]any{"employee": p.EmployeeNumber, "original": p.At, "from": old.Time(), "to": p.Time(), "reason": reason}
		if oldKind.Valid {
			detail["kind_from"], detail["kind_to"] = old.Kind, kind
		}
		return l.audit(ctx, tx, actor, "punch.correct", id, detail)
	})
	if err != nil {
		return clockface.Punch{}, fmt.Errorf("correct punch %s: %w", id, err)
	}
	return p, nil
}

// CorrectionRecord is one entry of a punch's correction history. FromKind
// and ToKind are set when the correction changed the kind.
type CorrectionRecord struct {
	PunchID  string              `json:"punch_id"`
	From     time.Time           `json:"from"`
	To       time.Time           `json:"to"`
	FromKind clockface.PunchKind `json:"from_kind,omitempty"`
	ToKind   clockface.PunchKind `json:"to_kind,omitempty"`
	By       string              `json:"by"`
	Reason   string              `json:"reason"`
	When     time.Time           `json:"when"`
}

// Corrections returns every correction of a punch, oldest first.
func (l *Ledger) Corrections(ctx context.Context, punchID string) ([]CorrectionRecord, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT punch_id, old_at, new_at, COALESCE(old_kind, ''), COALESCE(new_kind, ''), actor, reason, created_at
		FROM punch_corrections WHERE punch_id = ? ORDER BY seq`, punchID)
	if err != nil {
		return nil, fmt.Errorf("corrections of %s: %w", punchID, err)
	}
	defer rows.Close()
	var out []CorrectionRecord
	for rows.Next() {
		var c CorrectionRecord
		var from, to, when int64
		if err := rows.Scan(&c.PunchID, &from, &to, &c.FromKind, &c.ToKind, &c.By, &c.Reason, &when); err != nil {
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
	return queryPunches(ctx, l.db, where, args...)
}

func queryPunches(ctx context.Context, q querier, where string, args ...any) ([]clockface.Punch, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+punchCols+` FROM punches p JOIN employees e ON e.id = p.employee_id `+where, args...)
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
