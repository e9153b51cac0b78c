package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clockface/sync/wire"
)

func (s *DB) ApplyBatch(ctx context.Context, r Receipt) (Result, error) {
	var res Result
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = Result{}
		hub := nanos(r.HubTime)
		// The nonce first: a replay stops here, before anything changes.
		out, err := s.exec(ctx, tx, `INSERT INTO nonces (kiosk_id, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			r.KioskID, r.Nonce, hub)
		if err != nil {
			return fmt.Errorf("spend nonce: %w", err)
		}
		if n, err := out.RowsAffected(); err != nil || n != 1 {
			return ErrReplay
		}
		b := r.Batch
		if res.AuditFlag, err = s.noteKiosk(ctx, tx, r, hub); err != nil {
			return err
		}
		fresh, err := s.insertEvents(ctx, tx, r.KioskID, b.Events, hub)
		if err != nil {
			return err
		}
		var punches, changes []wire.Event
		for _, e := range b.Events {
			if fresh[e.ID] {
				if e.Type == wire.TypePunch {
					punches = append(punches, e)
				} else {
					changes = append(changes, e)
				}
			}
		}
		stored, err := s.storedPunches(ctx, tx, append(append([]wire.Event(nil), punches...), changes...))
		if err != nil {
			return err
		}
		// A correction or void changes only a punch its own kiosk
		// recorded: one for another kiosk's punch refuses the batch.
		for _, e := range changes {
			if p, ok := stored[e.Punch.ID]; ok && p.kiosk != r.KioskID {
				return &NotOwnerError{Event: e.ID, Type: e.Type, Punch: e.Punch.ID, Owner: p.kiosk, Sender: r.KioskID}
			}
		}
		// A punch id already held (or earlier in this batch) with other
		// content is a conflict: flagged, never counted as a duplicate.
		var insert []wire.Event
		conflicts := 0
		for _, e := range punches {
			c := coreOf(e.Punch)
			if p, ok := stored[e.Punch.ID]; ok {
				if p != c {
					if err := s.flagConflict(ctx, tx, r.KioskID, e, p, c, hub); err != nil {
						return err
					}
					conflicts++
				}
				continue
			}
			stored[e.Punch.ID] = c
			insert = append(insert, e)
		}
		inserted, err := s.insertPunches(ctx, tx, insert, hub)
		if err != nil {
			return err
		}
		for _, e := range changes {
			if err := s.applyChange(ctx, tx, e, hub); err != nil {
				return err
			}
		}
		res.Conflicts = conflicts
		res.Accepted = len(fresh) - (len(punches) - inserted)
		res.Duplicates = len(b.Events) - res.Accepted - conflicts
		for _, e := range b.Employees {
			flagged, err := s.upsertEmployee(ctx, tx, r.KioskID, e, hub)
			if err != nil {
				return err
			}
			if flagged {
				res.DirectoryFlags++
			}
		}
		return nil
	})
	return res, err
}

// NotOwnerError refuses a batch that corrects or voids a punch another
// kiosk recorded (the server answers 403 not_owner; nothing is stored).
type NotOwnerError struct {
	Event, Type, Punch string
	Owner, Sender      string
}

func (e *NotOwnerError) Error() string {
	return fmt.Sprintf("event %s: a %s of punch %s, which kiosk %q recorded: only that kiosk may change it (sent by %q)",
		e.Event, e.Type, e.Punch, e.Owner, e.Sender)
}

// punchCore is what identifies a punch's content: a punch id reused with
// another core is a conflict, not a duplicate.
type punchCore struct {
	employee, kind, method, kiosk string
	at                            int64
}

func coreOf(p wire.Punch) punchCore {
	return punchCore{employee: p.Employee, kind: p.Kind, method: p.Method, kiosk: p.KioskID, at: nanos(p.At)}
}

func (c punchCore) String() string {
	return fmt.Sprintf("employee %s %s by %s at %s from kiosk %s", c.employee, c.kind, c.method, fromNanos(c.at).Format(time.RFC3339Nano), c.kiosk)
}

// storedPunches returns the stored core of every punch evs name that the
// hub already holds.
func (s *DB) storedPunches(ctx context.Context, tx *sql.Tx, evs []wire.Event) (map[string]punchCore, error) {
	out := make(map[string]punchCore, len(evs))
	if len(evs) == 0 {
		return out, nil
	}
	args := make([]any, len(evs))
	for i, e := range evs {
		args[i] = e.Punch.ID
	}
	q := `SELECT id, employee, kind, method, kiosk_id, at FROM punches WHERE id IN (` +
		strings.TrimSuffix(strings.Repeat("?,", len(evs)), ",") + `)`
	rows, err := tx.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("stored punches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c punchCore
		if err := rows.Scan(&id, &c.employee, &c.kind, &c.method, &c.kiosk, &c.at); err != nil {
			return nil, fmt.Errorf("stored punches: %w", err)
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stored punches: %w", err)
	}
	return out, nil
}

func (s *DB) flagConflict(ctx context.Context, tx *sql.Tx, kiosk string, e wire.Event, held, got punchCore, hub int64) error {
	reason := fmt.Sprintf("punch %s is held as %s; event %s says %s", e.Punch.ID, held, e.ID, got)
	if _, err := s.exec(ctx, tx, `INSERT INTO punch_conflicts (punch_id, event_id, kiosk_id, hub_time, reason) VALUES (?, ?, ?, ?, ?)`,
		e.Punch.ID, e.ID, kiosk, hub, reason); err != nil {
		return fmt.Errorf("flag punch conflict: %w", err)
	}
	return nil
}

// upsertEmployee applies one directory entry from kiosk. The first kiosk
// to upload a number owns it; later entries from another kiosk change
// nothing, and are flagged when they differ (a rename or termination
// attempt). The hub's own edits (CLI, dashboard) do not go through here.
func (s *DB) upsertEmployee(ctx context.Context, tx *sql.Tx, kiosk string, e wire.Employee, hub int64) (bool, error) {
	out, err := s.exec(ctx, tx, employeeUpsert, e.Number, e.Name, e.Status, hub, e.FirstName, e.LastName,
		e.Payroll.ADPFileNumber, e.Payroll.PaychexWorkerID, e.Payroll.GustoID, e.Payroll.QuickBooksName, kiosk)
	if err != nil {
		return false, fmt.Errorf("upsert employee: %w", err)
	}
	if n, err := out.RowsAffected(); err != nil || n == 1 {
		return false, err
	}
	var owner, name, status string
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT owner_kiosk, name, status FROM employees WHERE number = ?`), e.Number).
		Scan(&owner, &name, &status); err != nil {
		return false, fmt.Errorf("upsert employee: %w", err)
	}
	if name == e.Name && status == e.Status {
		return false, nil
	}
	reason := fmt.Sprintf("kiosk %q sent %q (%s) for employee %s, owned by kiosk %q as %q (%s): ignored",
		kiosk, e.Name, e.Status, e.Number, owner, name, status)
	if _, err := s.exec(ctx, tx, `INSERT INTO directory_flags (number, kiosk_id, owner_kiosk, hub_time, reason) VALUES (?, ?, ?, ?, ?)`,
		e.Number, kiosk, owner, hub, reason); err != nil {
		return false, fmt.Errorf("flag directory change: %w", err)
	}
	return true, nil
}

// noteKiosk records that r's kiosk was seen: last contact and skew, its
// audit head (returning why it was flagged, if it was) and a skew flag.
// ErrRevoked for a revoked kiosk.
func (s *DB) noteKiosk(ctx context.Context, tx *sql.Tx, r Receipt, hub int64) (string, error) {
	// This update also locks the kiosk's row, so the audit head check
	// below sees the previous batch of this kiosk committed.
	out, err := s.exec(ctx, tx, `UPDATE kiosks SET last_seen = ?, last_skew_ms = ?
		WHERE id = ? AND revoked_at IS NULL`, hub, r.Skew.Milliseconds(), r.KioskID)
	if err != nil {
		return "", fmt.Errorf("update kiosk: %w", err)
	}
	if n, err := out.RowsAffected(); err != nil || n != 1 {
		return "", ErrRevoked
	}
	flag, err := s.checkAuditHead(ctx, tx, r.KioskID, r.Batch.AuditHead, hub)
	if err != nil {
		return "", err
	}
	if r.SkewFlag {
		if _, err := s.exec(ctx, tx, `INSERT INTO skew_flags (kiosk_id, hub_time, kiosk_clock, skew_ms) VALUES (?, ?, ?, ?)`,
			r.KioskID, hub, nanos(r.Batch.KioskClock), r.Skew.Milliseconds()); err != nil {
			return "", fmt.Errorf("flag skew: %w", err)
		}
	}
	return flag, nil
}

func eventsInsert(n int) string {
	return `INSERT INTO events (id, kiosk_id, seq, type, punch_id, at, received_at) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", n), ",") + ` ON CONFLICT (id) DO NOTHING RETURNING id`
}

func punchesInsert(n int) string {
	return `INSERT INTO punches (` + punchCols + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?),", n), ",") + ` ON CONFLICT (id) DO NOTHING`
}

// insertEvents inserts the events that are new and returns their ids.
func (s *DB) insertEvents(ctx context.Context, tx *sql.Tx, kiosk string, evs []wire.Event, hub int64) (map[string]bool, error) {
	fresh := make(map[string]bool, len(evs))
	if len(evs) == 0 {
		return fresh, nil
	}
	if s.d.arrays {
		return s.insertEventsPG(ctx, tx, kiosk, evs, hub)
	}
	args := make([]any, 0, 7*len(evs))
	for _, e := range evs {
		args = append(args, e.ID, kiosk, e.Seq, e.Type, e.Punch.ID, nanos(e.At), hub)
	}
	stmt, err := s.prepared(ctx, tx, eventsInsert(len(evs)))
	if err != nil {
		return nil, fmt.Errorf("insert events: %w", err)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("insert events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
		fresh[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert events: %w", err)
	}
	return fresh, nil
}

const punchCols = `id, employee, kind, method, at, kiosk_id, distance, margin, liveness, model,
	corrected_at, correction_by, correction_reason, correction_when, voided_by, void_reason, void_when, effective_at, received_at`

func punchArgs(p wire.Punch, hub int64) []any {
	var cAt, cWhen, vWhen sql.NullInt64
	var cBy, cReason, vBy, vReason sql.NullString
	eff := p.At
	if c := p.Correction; c != nil {
		cAt, cWhen = sql.NullInt64{Int64: nanos(c.At), Valid: true}, sql.NullInt64{Int64: nanos(c.When), Valid: true}
		cBy, cReason = sql.NullString{String: c.By, Valid: true}, sql.NullString{String: c.Reason, Valid: true}
		eff = c.At
	}
	if v := p.Void; v != nil {
		vWhen = sql.NullInt64{Int64: nanos(v.When), Valid: true}
		vBy, vReason = sql.NullString{String: v.By, Valid: true}, sql.NullString{String: v.Reason, Valid: true}
	}
	return []any{p.ID, p.Employee, p.Kind, p.Method, nanos(p.At), p.KioskID, p.Evidence.Distance, p.Evidence.Margin,
		p.Evidence.Liveness, p.Evidence.Model, cAt, cBy, cReason, cWhen, vBy, vReason, vWhen, nanos(eff), hub}
}

// insertPunches inserts new punches (by punch id) and returns how many
// were new.
func (s *DB) insertPunches(ctx context.Context, tx *sql.Tx, evs []wire.Event, hub int64) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	if s.d.arrays {
		return s.insertPunchesPG(ctx, tx, evs, hub)
	}
	args := make([]any, 0, 19*len(evs))
	for _, e := range evs {
		args = append(args, punchArgs(e.Punch, hub)...)
	}
	stmt, err := s.prepared(ctx, tx, punchesInsert(len(evs)))
	if err != nil {
		return 0, fmt.Errorf("insert punches: %w", err)
	}
	out, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("insert punches: %w", err)
	}
	n, err := out.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("insert punches: %w", err)
	}
	return int(n), nil
}

// applyChange records a correction or void. The event carries the punch's
// full state, so a change whose punch event never arrived still inserts
// it; an existing row only gains the correction or void columns.
func (s *DB) applyChange(ctx context.Context, tx *sql.Tx, e wire.Event, hub int64) error {
	// A kiosk's correction may change the kind too (the person chose the
	// wrong button): the first recorded kind is kept in original_kind.
	set := `corrected_at = excluded.corrected_at, correction_by = excluded.correction_by,
		correction_reason = excluded.correction_reason, correction_when = excluded.correction_when,
		effective_at = excluded.effective_at,
		original_kind = CASE WHEN punches.kind <> excluded.kind THEN COALESCE(punches.original_kind, punches.kind) ELSE punches.original_kind END,
		kind = excluded.kind`
	if e.Type == wire.TypeVoid {
		set = `voided_by = excluded.voided_by, void_reason = excluded.void_reason, void_when = excluded.void_when`
	}
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO punches (`+punchCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET `+set), punchArgs(e.Punch, hub)...)
	if err != nil {
		return fmt.Errorf("apply %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// checkAuditHead records head as seen from kiosk and makes it the
// kiosk's latest. It flags, and returns why, a head below the previous one
// or with another hash than the one first seen at its sequence number (once
// per change of head, not on every batch that repeats it): the kiosk's
// audit log was rewritten, or the kiosk restored or replaced. The caller
// holds the kiosk row's lock.
func (s *DB) checkAuditHead(ctx context.Context, tx *sql.Tx, kiosk string, head wire.AuditHead, hub int64) (string, error) {
	if head.Hash == "" {
		// Every kiosk sends a head (the genesis hash for an empty log):
		// none at all would switch the check off, so it is flagged.
		reason := "batch carries no audit head: the kiosk's audit log cannot be checked"
		if _, err := s.exec(ctx, tx, `INSERT INTO audit_flags (kiosk_id, hub_time, seq, hash, reason) VALUES (?, ?, ?, ?, ?)`,
			kiosk, hub, head.Seq, head.Hash, reason); err != nil {
			return "", fmt.Errorf("flag audit head: %w", err)
		}
		return reason, nil
	}
	var lastSeq int64
	var lastHash string
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT audit_seq, audit_hash FROM kiosks WHERE id = ?`), kiosk).Scan(&lastSeq, &lastHash); err != nil {
		return "", fmt.Errorf("audit head: %w", err)
	}
	var seen string
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT hash FROM audit_heads WHERE kiosk_id = ? AND seq = ?`), kiosk, head.Seq).Scan(&seen)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("audit head: %w", err)
	}
	var reasons []string
	if lastHash != "" && head.Seq < lastSeq {
		reasons = append(reasons, fmt.Sprintf("audit head went back from entry %d to %d", lastSeq, head.Seq))
	}
	// A forged head resent unchanged was flagged when it first came.
	if seen != "" && seen != head.Hash && (head.Seq != lastSeq || head.Hash != lastHash) {
		reasons = append(reasons, fmt.Sprintf("entry %d was %s, now %s", head.Seq, short(seen), short(head.Hash)))
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO audit_heads (kiosk_id, seq, hash, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		kiosk, head.Seq, head.Hash, hub); err != nil {
		return "", fmt.Errorf("audit head: %w", err)
	}
	if _, err := s.exec(ctx, tx, `UPDATE kiosks SET audit_seq = ?, audit_hash = ? WHERE id = ?`, head.Seq, head.Hash, kiosk); err != nil {
		return "", fmt.Errorf("audit head: %w", err)
	}
	if len(reasons) == 0 {
		return "", nil
	}
	reason := strings.Join(reasons, "; ")
	if _, err := s.exec(ctx, tx, `INSERT INTO audit_flags (kiosk_id, hub_time, seq, hash, reason) VALUES (?, ?, ?, ?, ?)`,
		kiosk, hub, head.Seq, head.Hash, reason); err != nil {
		return "", fmt.Errorf("flag audit head: %w", err)
	}
	return reason, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (s *DB) AuditFlags(ctx context.Context, kioskID string) ([]AuditFlag, error) {
	q := `SELECT kiosk_id, hub_time, seq, hash, reason FROM audit_flags`
	var args []any
	if kioskID != "" {
		q += ` WHERE kiosk_id = ?`
		args = append(args, kioskID)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q+` ORDER BY hub_time, kiosk_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("audit flags: %w", err)
	}
	defer rows.Close()
	var out []AuditFlag
	for rows.Next() {
		var f AuditFlag
		var at int64
		if err := rows.Scan(&f.KioskID, &at, &f.Seq, &f.Hash, &f.Reason); err != nil {
			return nil, fmt.Errorf("audit flags: %w", err)
		}
		f.HubTime = fromNanos(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s *DB) SpendNonce(ctx context.Context, kioskID, nonce string, now time.Time) error {
	out, err := s.exec(ctx, s.db, `INSERT INTO nonces (kiosk_id, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		kioskID, nonce, nanos(now))
	if err != nil {
		return fmt.Errorf("spend nonce: %w", err)
	}
	if n, err := out.RowsAffected(); err != nil || n != 1 {
		return ErrReplay
	}
	return nil
}

func (s *DB) PruneNonces(ctx context.Context, before time.Time) error {
	if _, err := s.exec(ctx, s.db, `DELETE FROM nonces WHERE seen_at < ?`, nanos(before)); err != nil {
		return fmt.Errorf("prune nonces: %w", err)
	}
	return nil
}

// Flag is a batch entry the hub refused to apply silently: a directory
// change from a kiosk that does not own the employee, or a punch id
// reused with other content. Subject is the employee number or punch id.
type Flag struct {
	Subject string
	KioskID string
	HubTime time.Time
	Reason  string
}

// DirectoryFlags lists ignored directory changes, oldest first.
func (s *DB) DirectoryFlags(ctx context.Context) ([]Flag, error) {
	return s.flags(ctx, `SELECT number, kiosk_id, hub_time, reason FROM directory_flags ORDER BY hub_time, number`)
}

// PunchConflicts lists punch ids reused with other content, oldest first.
func (s *DB) PunchConflicts(ctx context.Context) ([]Flag, error) {
	return s.flags(ctx, `SELECT punch_id, kiosk_id, hub_time, reason FROM punch_conflicts ORDER BY hub_time, punch_id`)
}

func (s *DB) flags(ctx context.Context, q string) ([]Flag, error) {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	defer rows.Close()
	var out []Flag
	for rows.Next() {
		var f Flag
		var at int64
		if err := rows.Scan(&f.Subject, &f.KioskID, &at, &f.Reason); err != nil {
			return nil, fmt.Errorf("flags: %w", err)
		}
		f.HubTime = fromNanos(at)
		out = append(out, f)
	}
	return out, rows.Err()
}
