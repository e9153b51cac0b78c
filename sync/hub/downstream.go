package hub

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"clockface"
	"clockface/attendance"
	"clockface/sync/wire"
)

// Hub → kiosk (wire.PathDownstream). HR changes an employee's status on
// the hub (ChangeEmployeeStatus: the dashboard's Employees screen, or the
// CLI): terminate, restrict to PIN, or lift a restriction, each with a
// reason, audited in the hub's log with actor and before/after. The
// change's version is the sequence number of that audit entry, strictly
// increasing. Every kiosk's relay asks, after its upload, for the changes
// after the last one it applied and applies them in order
// (ledger.ApplyDownstream); the request's After is also the kiosk's report
// of how far it has applied, kept per kiosk so the dashboard can show on
// how many kiosks a change is pending. Terminated is final: the hub
// refuses any change after a termination.
//
// The same answer carries each employee's state as the hub last knows it
// from the other kiosks' punches (attendance.States over the last
// MaxShift plus the double-punch window), so a kiosk offers "out" to
// someone who clocked in at another kiosk. Until kiosks carry a site name
// the hub is one site here: every employee's state whose setting punch was
// taken at another kiosk is sent, and the kiosk keeps those it holds.

// Status change errors.
var (
	// ErrTerminatedFinal: the employee was terminated; nothing changes
	// them after that.
	ErrTerminatedFinal = errors.New("employee is terminated: termination is final")
	// ErrBadStatusChange: an unknown action, or a missing or bad reason
	// or actor.
	ErrBadStatusChange = errors.New("bad status change")
)

// HubStatus is what HR set on the hub for one employee, and how far the
// kiosks have applied it.
type HubStatus struct {
	Terminated, Restricted bool
	// Last is the newest change.
	Last wire.StatusChange
	// Pending counts the paired (not revoked) kiosks that have not yet
	// reported applying Last.
	Pending int
	// AppliedBy is the kiosk that most recently reported applying Last
	// ("" if none yet), at AppliedAt.
	AppliedBy string
	AppliedAt time.Time
}

// EmployeeStatusControl is what the dashboard and `hub employee
// terminate|restrict|unrestrict` use.
type EmployeeStatusControl interface {
	// ChangeEmployeeStatus records a change of a directory employee
	// (ErrUnknownEmployee otherwise) with a required reason, audited with
	// actor; ErrTerminatedFinal after a termination; nothing changes on
	// error.
	ChangeEmployeeStatus(ctx context.Context, number, action, reason, actor string, now time.Time) (wire.StatusChange, error)
	// EmployeeStatuses maps the employees HR changed on the hub to their
	// status there.
	EmployeeStatuses(ctx context.Context) (map[string]HubStatus, error)
}

// Downstreams is what the downstream endpoint reads.
type Downstreams interface {
	// Downstream records that kioskID applied changes up to after and
	// returns the next changes (at most wire.MaxStatusChanges, More set
	// when others wait) and the other kiosks' states at now.
	Downstream(ctx context.Context, kioskID string, after int64, now time.Time) (wire.Downstream, error)
}

var (
	_ EmployeeStatusControl = (*DB)(nil)
	_ Downstreams           = (*DB)(nil)
)

// ChangeEmployeeStatus implements EmployeeStatusControl.
func (s *DB) ChangeEmployeeStatus(ctx context.Context, number, action, reason, actor string, now time.Time) (wire.StatusChange, error) {
	reason = strings.TrimSpace(reason)
	if err := checkStatusChange(action, reason, actor); err != nil {
		return wire.StatusChange{}, fmt.Errorf("%s %s: %w", action, number, err)
	}
	c := wire.StatusChange{Employee: number, Action: action, Reason: reason, Actor: actor, At: now.UTC()}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		e, err := s.employee(ctx, tx, number)
		if err != nil {
			return err
		}
		before, err := s.hubStatusOf(ctx, tx, number)
		if err != nil {
			return err
		}
		if before.Terminated || e.Status == clockface.StatusTerminated {
			return ErrTerminatedFinal
		}
		after := before
		switch action {
		case wire.ActionTerminate:
			after.Terminated = true
		case wire.ActionRestrict:
			after.Restricted = true
		case wire.ActionUnrestrict:
			after.Restricted = false
		}
		type st struct {
			Status     clockface.EmployeeStatus `json:"status"`
			Restricted bool                     `json:"restricted_to_pin"`
		}
		status := func(h HubStatus) st {
			if h.Terminated {
				return st{clockface.StatusTerminated, h.Restricted}
			}
			return st{e.Status, h.Restricted}
		}
		if err := s.audit(ctx, tx, now, actor, "employee."+action, number,
			map[string]any{"before": status(before), "after": status(after), "reason": reason}); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM hub_audit_head WHERE id = 1`).Scan(&c.Seq); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		_, err = s.exec(ctx, tx, `INSERT INTO employee_status_changes (seq, number, action, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.Seq, number, action, reason, actor, nanos(c.At))
		return err
	})
	if err != nil {
		return wire.StatusChange{}, fmt.Errorf("%s %s: %w", action, number, err)
	}
	return c, nil
}

// checkStatusChange checks what a person typed, against the limits the
// kiosks' decoder enforces.
func checkStatusChange(action, reason, actor string) error {
	switch action {
	case wire.ActionTerminate, wire.ActionRestrict, wire.ActionUnrestrict:
	default:
		return fmt.Errorf("%w: unknown action %q (terminate, restrict or unrestrict)", ErrBadStatusChange, action)
	}
	if reason == "" {
		return fmt.Errorf("%w: a reason is required", ErrBadStatusChange)
	}
	if len(reason) > wire.MaxStatusReason {
		return fmt.Errorf("%w: reason longer than %d bytes", ErrBadStatusChange, wire.MaxStatusReason)
	}
	if actor == "" || len(actor) > 128 {
		return fmt.Errorf("%w: actor missing or longer than 128 bytes", ErrBadStatusChange)
	}
	for _, r := range reason + actor {
		if r != '\n' && r != '\t' && (r == unicode.ReplacementChar || !unicode.IsPrint(r)) {
			return fmt.Errorf("%w: control or invalid characters", ErrBadStatusChange)
		}
	}
	return nil
}

const statusChangeCols = `seq, number, action, reason, actor, at`

func scanStatusChange(sc interface{ Scan(...any) error }) (wire.StatusChange, error) {
	var c wire.StatusChange
	var at int64
	err := sc.Scan(&c.Seq, &c.Employee, &c.Action, &c.Reason, &c.Actor, &at)
	c.At = fromNanos(at)
	return c, err
}

// hubStatusOf folds one employee's changes (without the kiosks' progress).
func (s *DB) hubStatusOf(ctx context.Context, q execer, number string) (HubStatus, error) {
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT `+statusChangeCols+` FROM employee_status_changes WHERE number = ? ORDER BY seq`), number)
	if err != nil {
		return HubStatus{}, fmt.Errorf("status changes of %s: %w", number, err)
	}
	defer rows.Close()
	var h HubStatus
	for rows.Next() {
		c, err := scanStatusChange(rows)
		if err != nil {
			return HubStatus{}, fmt.Errorf("status changes of %s: %w", number, err)
		}
		h.fold(c)
	}
	return h, rows.Err()
}

func (h *HubStatus) fold(c wire.StatusChange) {
	switch c.Action {
	case wire.ActionTerminate:
		h.Terminated = true
	case wire.ActionRestrict:
		h.Restricted = true
	case wire.ActionUnrestrict:
		h.Restricted = false
	}
	h.Last = c
}

// EmployeeStatuses implements EmployeeStatusControl.
func (s *DB) EmployeeStatuses(ctx context.Context) (map[string]HubStatus, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+statusChangeCols+` FROM employee_status_changes ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("status changes: %w", err)
	}
	defer rows.Close()
	out := map[string]HubStatus{}
	for rows.Next() {
		c, err := scanStatusChange(rows)
		if err != nil {
			return nil, fmt.Errorf("status changes: %w", err)
		}
		h := out[c.Employee]
		h.fold(c)
		out[c.Employee] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("status changes: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	type progress struct {
		seq int64
		at  time.Time
	}
	applied := map[string]progress{}
	prow, err := s.db.QueryContext(ctx, `SELECT k.id, COALESCE(d.applied_seq, 0), COALESCE(d.at, 0)
		FROM kiosks k LEFT JOIN kiosk_downstream d ON d.kiosk_id = k.id WHERE k.revoked_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("kiosk progress: %w", err)
	}
	defer prow.Close()
	for prow.Next() {
		var id string
		var seq, at int64
		if err := prow.Scan(&id, &seq, &at); err != nil {
			return nil, fmt.Errorf("kiosk progress: %w", err)
		}
		applied[id] = progress{seq, fromNanos(at)}
	}
	if err := prow.Err(); err != nil {
		return nil, fmt.Errorf("kiosk progress: %w", err)
	}
	for n, h := range out {
		for id, p := range applied {
			if p.seq < h.Last.Seq {
				h.Pending++
			} else if p.at.After(h.AppliedAt) || (p.at.Equal(h.AppliedAt) && id > h.AppliedBy) {
				h.AppliedBy, h.AppliedAt = id, p.at
			}
		}
		out[n] = h
	}
	return out, nil
}

// Downstream implements Downstreams.
func (s *DB) Downstream(ctx context.Context, kioskID string, after int64, now time.Time) (wire.Downstream, error) {
	d := wire.Downstream{HubTime: now.UTC(), Changes: []wire.StatusChange{}, States: []wire.RemoteState{}}
	if _, err := s.exec(ctx, s.db, `INSERT INTO kiosk_downstream (kiosk_id, applied_seq, at) VALUES (?, ?, ?)
		ON CONFLICT (kiosk_id) DO UPDATE SET at = excluded.at, applied_seq = CASE
			WHEN excluded.applied_seq > kiosk_downstream.applied_seq THEN excluded.applied_seq ELSE kiosk_downstream.applied_seq END`,
		kioskID, after, nanos(now)); err != nil {
		return d, fmt.Errorf("downstream %s: %w", kioskID, err)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+statusChangeCols+` FROM employee_status_changes WHERE seq > ? ORDER BY seq LIMIT ?`),
		after, wire.MaxStatusChanges+1)
	if err != nil {
		return d, fmt.Errorf("downstream %s: %w", kioskID, err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanStatusChange(rows)
		if err != nil {
			return d, fmt.Errorf("downstream %s: %w", kioskID, err)
		}
		d.Changes = append(d.Changes, c)
	}
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("downstream %s: %w", kioskID, err)
	}
	if len(d.Changes) > wire.MaxStatusChanges {
		d.Changes, d.More = d.Changes[:wire.MaxStatusChanges], true
	}
	lookback := attendance.DefaultMaxShift + attendance.DefaultDuplicateWindow
	ps, err := s.PresencePunches(ctx, now.Add(-lookback), now.Add(time.Nanosecond))
	if err != nil {
		return d, fmt.Errorf("downstream %s: %w", kioskID, err)
	}
	for number, st := range attendance.States(ps, now, attendance.DefaultMaxShift) {
		if st.Since.IsZero() || st.KioskID == kioskID {
			continue // never punched in the window, or this kiosk's own
		}
		rs := wire.RemoteState{Employee: number, Kind: string(st.Kind), At: st.Since.UTC(), KioskID: st.KioskID, PunchID: st.PunchID}
		if st.Kind != clockface.PunchOut {
			rs.ShiftStart = st.ShiftStart.UTC()
		}
		d.States = append(d.States, rs)
	}
	// The newest first, so a cut keeps those that matter most.
	slices.SortFunc(d.States, func(a, b wire.RemoteState) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(a.Employee, b.Employee)
	})
	if len(d.States) > wire.MaxRemoteStates {
		d.States = d.States[:wire.MaxRemoteStates]
	}
	return d, nil
}

// downstream serves wire.PathDownstream: a signed request from a paired
// kiosk, its nonce spent, answered with Downstream.
func (s *Server) downstream(w http.ResponseWriter, r *http.Request) {
	body, k, p, f := s.authenticate(w, r, wire.MaxPairBytes)
	if f != nil {
		s.fail(w, f.status, f.code, f.msg)
		return
	}
	q, err := wire.DecodeDownstreamRequest(bytes.NewReader(body))
	if err != nil {
		s.decodeFail(w, err)
		return
	}
	if q.KioskID != k.ID {
		s.fail(w, http.StatusForbidden, wire.CodeKioskMismatch, fmt.Sprintf("request names kiosk %q, signed by %q", q.KioskID, k.ID))
		return
	}
	now := s.clock.Now()
	if err := s.store.SpendNonce(r.Context(), k.ID, p.Nonce, now); err != nil {
		s.fail(w, http.StatusUnauthorized, wire.CodeReplay, "nonce already used: every request needs a fresh nonce")
		return
	}
	d, err := s.store.Downstream(r.Context(), k.ID, q.After, now)
	if err != nil {
		s.log.Error("downstream", "kiosk", k.ID, "err", err)
		s.fail(w, http.StatusServiceUnavailable, wire.CodeInternal, "could not read the changes; retry")
		return
	}
	writeJSONCompressed(w, r, http.StatusOK, d)
}
