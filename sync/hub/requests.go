package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clockface"
)

// Correction requests: an employee asks, from the dashboard's "My time",
// for one of their punches to be corrected or a missing one added; the
// request waits in their managers' exceptions queue until one resolves it
// (with the punch edit made through the ordinary edit flow, its id kept
// here) or rejects it, with a reason either way. Each step is an entry in
// the hub audit log, and a request's id is the sequence number of the
// entry that created it.

// Request states.
const (
	RequestOpen     = "open"
	RequestResolved = "resolved"
	RequestRejected = "rejected"
)

// ErrUnknownRequest: no correction request has this id.
var ErrUnknownRequest = errors.New("unknown correction request")

// CorrectionRequest is one employee's request.
type CorrectionRequest struct {
	ID       int64               `json:"id"`
	Employee string              `json:"employee"`
	PunchID  string              `json:"punch_id,omitempty"` // empty: a missing punch
	Kind     clockface.PunchKind `json:"kind"`
	At       time.Time           `json:"at"` // the time the employee says is right
	Note     string              `json:"note"`
	Created  time.Time           `json:"created"`
	Status   string              `json:"status"`
	// The decision, once made.
	DecidedBy   string     `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	ResultPunch string     `json:"result_punch,omitempty"`
}

// RequestCorrection stores an open request from r.Employee (ID, Created,
// Status and the decision are set here), audited with actor (the
// employee's dashboard user). A punch id must be one of the employee's
// punches; the kind must be valid and the note not empty.
func (s *DB) RequestCorrection(ctx context.Context, r CorrectionRequest, actor string, now time.Time) (CorrectionRequest, error) {
	r.Note = strings.TrimSpace(r.Note)
	switch {
	case r.Employee == "":
		return CorrectionRequest{}, invalid("correction request: no employee")
	case !r.Kind.Valid():
		return CorrectionRequest{}, invalid("correction request: unknown punch kind %q", r.Kind)
	case r.At.IsZero():
		return CorrectionRequest{}, invalid("correction request: no time given")
	case r.Note == "":
		return CorrectionRequest{}, invalid("correction request: say what is wrong in the note")
	}
	if err := checkText("note", r.Note); err != nil {
		return CorrectionRequest{}, fmt.Errorf("correction request: %w", err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.employee(ctx, tx, r.Employee); err != nil {
			return err
		}
		if r.PunchID != "" {
			p, err := s.punch(ctx, tx, r.PunchID)
			if err != nil {
				return err
			}
			if p.EmployeeNumber != r.Employee {
				return fmt.Errorf("punch %q: %w", r.PunchID, ErrUnknownPunch)
			}
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, `UPDATE hub_audit_head SET seq = seq WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		r.ID, r.Created, r.Status = seq+1, now, RequestOpen
		r.DecidedBy, r.DecidedAt, r.Reason, r.ResultPunch = "", nil, "", ""
		if _, err := s.exec(ctx, tx, `INSERT INTO correction_requests (id, employee, punch_id, kind, at, note, created_at, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.Employee, r.PunchID, string(r.Kind), nanos(r.At), r.Note, nanos(now), RequestOpen); err != nil {
			return fmt.Errorf("correction request: %w", err)
		}
		return s.audit(ctx, tx, now, actor, "request.create", r.Employee, map[string]any{"request": r.ID,
			"punch": r.PunchID, "kind": r.Kind, "at": r.At.UTC().Format(time.RFC3339), "note": r.Note})
	})
	if err != nil {
		return CorrectionRequest{}, err
	}
	return r, nil
}

// DecideRequest closes an open request: status RequestResolved (with
// resultPunch, the punch the resolving edit added or corrected) or
// RequestRejected, with a reason (required), audited with actor. A
// request already decided is refused and keeps its decision.
func (s *DB) DecideRequest(ctx context.Context, id int64, status, resultPunch, reason, actor string, now time.Time) (CorrectionRequest, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case status != RequestResolved && status != RequestRejected:
		return CorrectionRequest{}, invalid("request %d: unknown decision %q", id, status)
	case reason == "":
		return CorrectionRequest{}, invalid("request %d: a reason is required", id)
	case status == RequestResolved && resultPunch == "":
		return CorrectionRequest{}, invalid("request %d: resolving needs the punch added or corrected", id)
	}
	if err := checkText("reason", reason); err != nil {
		return CorrectionRequest{}, fmt.Errorf("request %d: %w", id, err)
	}
	var out CorrectionRequest
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE correction_requests SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?, result_punch = ?
			WHERE id = ? AND status = ?`, status, actor, nanos(now), reason, resultPunch, id, RequestOpen)
		if err != nil {
			return fmt.Errorf("request %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			r, err := s.request(ctx, tx, id)
			if err != nil {
				return err
			}
			return invalid("request %d was already %s by %s", id, r.Status, r.DecidedBy)
		}
		if out, err = s.request(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, now, actor, "request."+map[string]string{RequestResolved: "resolve", RequestRejected: "reject"}[status],
			out.Employee, map[string]any{"request": id, "reason": reason, "punch": resultPunch})
	})
	return out, err
}

const requestCols = `id, employee, punch_id, kind, at, note, created_at, status, decided_by, decided_at, decision_reason, result_punch`

func scanRequest(sc interface{ Scan(...any) error }) (CorrectionRequest, error) {
	var r CorrectionRequest
	var at, created int64
	var decided sql.NullInt64
	var kind string
	if err := sc.Scan(&r.ID, &r.Employee, &r.PunchID, &kind, &at, &r.Note, &created, &r.Status, &r.DecidedBy, &decided,
		&r.Reason, &r.ResultPunch); err != nil {
		return CorrectionRequest{}, err
	}
	r.Kind, r.At, r.Created, r.DecidedAt = clockface.PunchKind(kind), fromNanos(at), fromNanos(created), fromNullNanos(decided)
	return r, nil
}

func (s *DB) request(ctx context.Context, q execer, id int64) (CorrectionRequest, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, s.rebind(`SELECT `+requestCols+` FROM correction_requests WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return CorrectionRequest{}, fmt.Errorf("request %d: %w", id, ErrUnknownRequest)
	}
	if err != nil {
		return CorrectionRequest{}, fmt.Errorf("request %d: %w", id, err)
	}
	return r, nil
}

// Request returns one correction request.
func (s *DB) Request(ctx context.Context, id int64) (CorrectionRequest, error) {
	return s.request(ctx, s.db, id)
}

// RequestsOf lists one employee's requests, newest first.
func (s *DB) RequestsOf(ctx context.Context, employee string) ([]CorrectionRequest, error) {
	return s.requests(ctx, `WHERE employee = ? ORDER BY created_at DESC, id DESC`, employee)
}

// OpenRequests lists every open request, oldest first (the queue's
// order); the dashboard narrows them to what a manager may see.
func (s *DB) OpenRequests(ctx context.Context) ([]CorrectionRequest, error) {
	return s.requests(ctx, `WHERE status = ? ORDER BY created_at, id`, RequestOpen)
}

func (s *DB) requests(ctx context.Context, where string, arg any) ([]CorrectionRequest, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+requestCols+` FROM correction_requests `+where), arg)
	if err != nil {
		return nil, fmt.Errorf("correction requests: %w", err)
	}
	defer rows.Close()
	var out []CorrectionRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("correction requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
