package hub

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"clockface"
	"clockface/sync/wire"
)

// sqlStore is the SQL shared by both adapters. Queries are written with
// ? placeholders; rebind turns them into $n for PostgreSQL. Times are
// stored as Unix nanoseconds (BIGINT) so both engines agree exactly.
type sqlStore struct {
	db      *sql.DB
	dollar  bool // PostgreSQL placeholders
	onClose func() error
	stmts   sync.Map // query → *sql.Stmt: the multi-row inserts, parsed once
}

// prepared returns tx's handle on the statement for query: for a full
// batch (the common case) the one prepared at open, so the long
// multi-row INSERT is parsed once; otherwise prepared in tx.
func (s *sqlStore) prepared(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(query); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, s.rebind(query))
}

// prepareFull prepares the full-batch inserts outside any transaction
// (SQLite has one connection, so this cannot happen inside one).
func (s *sqlStore) prepareFull(ctx context.Context) error {
	for _, q := range []string{eventsInsert(wire.MaxBatchEvents), punchesInsert(wire.MaxBatchEvents)} {
		st, err := s.db.PrepareContext(ctx, s.rebind(q))
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		s.stmts.Store(q, st)
	}
	return nil
}

const schemaSQL = `
CREATE TABLE IF NOT EXISTS kiosks (
	id TEXT PRIMARY KEY,
	secret TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT,
	last_seen BIGINT,
	last_skew_ms BIGINT NOT NULL DEFAULT 0,
	audit_seq BIGINT NOT NULL DEFAULT 0,
	audit_hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS pairing_codes (
	code_hash TEXT PRIMARY KEY,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	kiosk_id TEXT,
	for_kiosk TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS nonces (
	kiosk_id TEXT NOT NULL,
	nonce TEXT NOT NULL,
	seen_at BIGINT NOT NULL,
	PRIMARY KEY (kiosk_id, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_seen ON nonces (seen_at);
CREATE TABLE IF NOT EXISTS events (
	id TEXT PRIMARY KEY,
	kiosk_id TEXT NOT NULL,
	seq BIGINT NOT NULL,
	type TEXT NOT NULL,
	punch_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	received_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS punches (
	id TEXT PRIMARY KEY,
	employee TEXT NOT NULL,
	kind TEXT NOT NULL,
	method TEXT NOT NULL,
	at BIGINT NOT NULL,
	kiosk_id TEXT NOT NULL,
	distance DOUBLE PRECISION NOT NULL DEFAULT 0,
	margin DOUBLE PRECISION NOT NULL DEFAULT 0,
	liveness TEXT NOT NULL DEFAULT '',
	model TEXT NOT NULL DEFAULT '',
	corrected_at BIGINT,
	correction_by TEXT,
	correction_reason TEXT,
	correction_when BIGINT,
	voided_by TEXT,
	void_reason TEXT,
	void_when BIGINT,
	effective_at BIGINT NOT NULL,
	received_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS punches_effective ON punches (effective_at);
CREATE TABLE IF NOT EXISTS employees (
	number TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	status TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS template_shares (
	employee TEXT NOT NULL,
	model TEXT NOT NULL,
	key_id TEXT NOT NULL,
	sealed TEXT NOT NULL,
	deleted BIGINT NOT NULL,
	origin TEXT NOT NULL,
	at BIGINT NOT NULL,
	received_at BIGINT NOT NULL,
	seq BIGINT NOT NULL,
	PRIMARY KEY (employee, model)
);
CREATE INDEX IF NOT EXISTS template_shares_seq ON template_shares (seq);
CREATE TABLE IF NOT EXISTS share_seq (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO share_seq (id, n) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_heads (
	kiosk_id TEXT NOT NULL,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	first_seen BIGINT NOT NULL,
	PRIMARY KEY (kiosk_id, seq)
);
INSERT INTO audit_heads (kiosk_id, seq, hash, first_seen)
	SELECT id, audit_seq, audit_hash, COALESCE(last_seen, created_at) FROM kiosks WHERE audit_hash <> ''
	ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_flags (
	kiosk_id TEXT NOT NULL,
	hub_time BIGINT NOT NULL,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_flags_kiosk ON audit_flags (kiosk_id, hub_time);
CREATE TABLE IF NOT EXISTS skew_flags (
	kiosk_id TEXT NOT NULL,
	hub_time BIGINT NOT NULL,
	kiosk_clock BIGINT NOT NULL,
	skew_ms BIGINT NOT NULL
);
`

func (s *sqlStore) migrate(ctx context.Context) error {
	for _, stmt := range strings.Split(schemaSQL, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

func (s *sqlStore) rebind(q string) string {
	if !s.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *sqlStore) exec(ctx context.Context, q execer, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.rebind(query), args...)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *sqlStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func fromNullNanos(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

func (s *sqlStore) CreatePairingCode(ctx context.Context, codeHash, forKiosk string, created, expires time.Time) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO pairing_codes (code_hash, for_kiosk, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		codeHash, forKiosk, nanos(created), nanos(expires))
	if err != nil {
		return fmt.Errorf("create pairing code: %w", err)
	}
	return nil
}

func (s *sqlStore) Pair(ctx context.Context, codeHash, kioskID string, secret []byte, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var forKiosk string
		err := tx.QueryRowContext(ctx, s.rebind(`UPDATE pairing_codes SET used_at = ?, kiosk_id = ?
			WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? AND (for_kiosk = '' OR for_kiosk = ?)
			RETURNING for_kiosk`), nanos(now), kioskID, codeHash, nanos(now), kioskID).Scan(&forKiosk)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadCode
		}
		if err != nil {
			return fmt.Errorf("spend pairing code: %w", err)
		}
		if forKiosk == "" {
			var n int
			if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM kiosks WHERE id = ?`), kioskID).Scan(&n); err != nil {
				return fmt.Errorf("pair: %w", err)
			}
			if n > 0 {
				return ErrKioskExists
			}
		}
		_, err = s.exec(ctx, tx, `INSERT INTO kiosks (id, secret, created_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, revoked_at = NULL`,
			kioskID, base64.StdEncoding.EncodeToString(secret), nanos(now))
		if err != nil {
			return fmt.Errorf("store kiosk: %w", err)
		}
		return nil
	})
}

const kioskCols = `id, secret, created_at, revoked_at, last_seen, last_skew_ms, audit_seq, audit_hash,
	(SELECT COUNT(*) FROM audit_flags f WHERE f.kiosk_id = kiosks.id)`

func scanKiosk(sc interface{ Scan(...any) error }) (Kiosk, error) {
	var k Kiosk
	var secret string
	var created int64
	var revoked, seen sql.NullInt64
	var skew int64
	if err := sc.Scan(&k.ID, &secret, &created, &revoked, &seen, &skew, &k.AuditSeq, &k.AuditHash, &k.AuditFlags); err != nil {
		return Kiosk{}, err
	}
	var err error
	if k.Secret, err = base64.StdEncoding.DecodeString(secret); err != nil {
		return Kiosk{}, fmt.Errorf("kiosk %s: garbled secret", k.ID)
	}
	k.CreatedAt = fromNanos(created)
	k.RevokedAt, k.LastSeen = fromNullNanos(revoked), fromNullNanos(seen)
	k.LastSkew = time.Duration(skew) * time.Millisecond
	return k, nil
}

func (s *sqlStore) Kiosk(ctx context.Context, id string) (Kiosk, error) {
	k, err := scanKiosk(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+kioskCols+` FROM kiosks WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Kiosk{}, fmt.Errorf("%w: %s", ErrUnknownKiosk, id)
	}
	if err != nil {
		return Kiosk{}, fmt.Errorf("kiosk %s: %w", id, err)
	}
	return k, nil
}

func (s *sqlStore) Kiosks(ctx context.Context) ([]Kiosk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+kioskCols+` FROM kiosks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list kiosks: %w", err)
	}
	defer rows.Close()
	var ks []Kiosk
	for rows.Next() {
		k, err := scanKiosk(rows)
		if err != nil {
			return nil, fmt.Errorf("list kiosks: %w", err)
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}

func (s *sqlStore) Revoke(ctx context.Context, id string, now time.Time) error {
	res, err := s.exec(ctx, s.db, `UPDATE kiosks SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, nanos(now), id)
	if err != nil {
		return fmt.Errorf("revoke %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Kiosk(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlStore) ApplyBatch(ctx context.Context, r Receipt) (Result, error) {
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
		// This update also locks the kiosk's row, so the audit head check
		// below sees the previous batch of this kiosk committed.
		out, err = s.exec(ctx, tx, `UPDATE kiosks SET last_seen = ?, last_skew_ms = ?
			WHERE id = ? AND revoked_at IS NULL`, hub, r.Skew.Milliseconds(), r.KioskID)
		if err != nil {
			return fmt.Errorf("update kiosk: %w", err)
		}
		if n, err := out.RowsAffected(); err != nil || n != 1 {
			return ErrRevoked
		}
		if res.AuditFlag, err = s.checkAuditHead(ctx, tx, r.KioskID, b.AuditHead, hub); err != nil {
			return err
		}
		if r.SkewFlag {
			if _, err := s.exec(ctx, tx, `INSERT INTO skew_flags (kiosk_id, hub_time, kiosk_clock, skew_ms) VALUES (?, ?, ?, ?)`,
				r.KioskID, hub, nanos(b.KioskClock), r.Skew.Milliseconds()); err != nil {
				return fmt.Errorf("flag skew: %w", err)
			}
		}
		fresh, err := s.insertEvents(ctx, tx, r.KioskID, b.Events, hub)
		if err != nil {
			return err
		}
		var punches, changes []wire.Event
		for _, e := range b.Events {
			if !fresh[e.ID] {
				continue
			}
			if e.Type == wire.TypePunch {
				punches = append(punches, e)
			} else {
				changes = append(changes, e)
			}
		}
		inserted, err := s.insertPunches(ctx, tx, punches, hub)
		if err != nil {
			return err
		}
		for _, e := range changes {
			if err := s.applyChange(ctx, tx, e, hub); err != nil {
				return err
			}
		}
		res.Accepted = len(fresh) - (len(punches) - inserted)
		res.Duplicates = len(b.Events) - res.Accepted
		for _, e := range b.Employees {
			if _, err := s.exec(ctx, tx, `INSERT INTO employees (number, name, status, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (number) DO UPDATE SET name = excluded.name, status = excluded.status, updated_at = excluded.updated_at`,
				e.Number, e.Name, e.Status, hub); err != nil {
				return fmt.Errorf("upsert employee: %w", err)
			}
		}
		return nil
	})
	return res, err
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
func (s *sqlStore) insertEvents(ctx context.Context, tx *sql.Tx, kiosk string, evs []wire.Event, hub int64) (map[string]bool, error) {
	fresh := make(map[string]bool, len(evs))
	if len(evs) == 0 {
		return fresh, nil
	}
	if s.dollar {
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
func (s *sqlStore) insertPunches(ctx context.Context, tx *sql.Tx, evs []wire.Event, hub int64) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	if s.dollar {
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
func (s *sqlStore) applyChange(ctx context.Context, tx *sql.Tx, e wire.Event, hub int64) error {
	set := `corrected_at = excluded.corrected_at, correction_by = excluded.correction_by,
		correction_reason = excluded.correction_reason, correction_when = excluded.correction_when,
		effective_at = excluded.effective_at`
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

func (s *sqlStore) PruneNonces(ctx context.Context, before time.Time) error {
	if _, err := s.exec(ctx, s.db, `DELETE FROM nonces WHERE seen_at < ?`, nanos(before)); err != nil {
		return fmt.Errorf("prune nonces: %w", err)
	}
	return nil
}

func (s *sqlStore) Punches(ctx context.Context, from, to time.Time) ([]clockface.Punch, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+punchCols+` FROM punches
		WHERE effective_at >= ? AND effective_at < ? ORDER BY at, id`), nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("punches: %w", err)
	}
	defer rows.Close()
	var ps []clockface.Punch
	for rows.Next() {
		var p wire.Punch
		var at, eff, recv int64
		var cAt, cWhen, vWhen sql.NullInt64
		var cBy, cReason, vBy, vReason sql.NullString
		if err := rows.Scan(&p.ID, &p.Employee, &p.Kind, &p.Method, &at, &p.KioskID, &p.Evidence.Distance, &p.Evidence.Margin,
			&p.Evidence.Liveness, &p.Evidence.Model, &cAt, &cBy, &cReason, &cWhen, &vBy, &vReason, &vWhen, &eff, &recv); err != nil {
			return nil, fmt.Errorf("punches: %w", err)
		}
		p.At = fromNanos(at)
		if cAt.Valid {
			p.Correction = &wire.Correction{At: fromNanos(cAt.Int64), By: cBy.String, Reason: cReason.String, When: fromNanos(cWhen.Int64)}
		}
		if vBy.Valid {
			p.Void = &wire.Void{By: vBy.String, Reason: vReason.String, When: fromNanos(vWhen.Int64)}
		}
		ps = append(ps, p.Domain())
	}
	return ps, rows.Err()
}

func (s *sqlStore) Employees(ctx context.Context) ([]clockface.Employee, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, name, status FROM employees ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("employees: %w", err)
	}
	defer rows.Close()
	var es []clockface.Employee
	for rows.Next() {
		var e clockface.Employee
		if err := rows.Scan(&e.Number, &e.Name, &e.Status); err != nil {
			return nil, fmt.Errorf("employees: %w", err)
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

func (s *sqlStore) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM kiosks), (SELECT COUNT(*) FROM events),
		(SELECT COUNT(*) FROM punches), (SELECT COUNT(*) FROM skew_flags),
		(SELECT COUNT(*) FROM audit_flags)`).Scan(&st.Kiosks, &st.Events, &st.Punches, &st.SkewFlags, &st.AuditFlags)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

// checkAuditHead records head as seen from kiosk and makes it the
// kiosk's latest. It flags, and returns why, a head below the previous one
// or with another hash than the one first seen at its sequence number (once
// per change of head, not on every batch that repeats it): the kiosk's
// audit log was rewritten, or the kiosk restored or replaced. The caller
// holds the kiosk row's lock.
func (s *sqlStore) checkAuditHead(ctx context.Context, tx *sql.Tx, kiosk string, head wire.AuditHead, hub int64) (string, error) {
	if head.Hash == "" {
		return "", nil
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

func (s *sqlStore) AuditFlags(ctx context.Context, kioskID string) ([]AuditFlag, error) {
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

func (s *sqlStore) SpendNonce(ctx context.Context, kioskID, nonce string, now time.Time) error {
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

func (s *sqlStore) PutShares(ctx context.Context, origin string, shares []wire.TemplateShare, now time.Time) (int, error) {
	stored := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored = 0
		for _, sh := range shares {
			var seq int64
			if err := tx.QueryRowContext(ctx, `UPDATE share_seq SET n = n + 1 WHERE id = 1 RETURNING n`).Scan(&seq); err != nil {
				return fmt.Errorf("share sequence: %w", err)
			}
			deleted := 0
			if sh.Deleted {
				deleted = 1
			}
			out, err := s.exec(ctx, tx, `INSERT INTO template_shares (employee, model, key_id, sealed, deleted, origin, at, received_at, seq)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (employee, model) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed,
					deleted = excluded.deleted, origin = excluded.origin, at = excluded.at,
					received_at = excluded.received_at, seq = excluded.seq
				WHERE template_shares.at <= excluded.at`,
				sh.Employee, sh.Model, sh.KeyID, sh.Sealed, deleted, origin, nanos(sh.At), nanos(now), seq)
			if err != nil {
				return fmt.Errorf("store share: %w", err)
			}
			if n, _ := out.RowsAffected(); n == 1 {
				stored++
			}
		}
		return nil
	})
	return stored, err
}

func (s *sqlStore) Shares(ctx context.Context, after int64, limit int) ([]wire.SharedTemplate, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT seq, origin, employee, model, key_id, sealed, deleted, at
		FROM template_shares WHERE seq > ? ORDER BY seq LIMIT ?`), after, limit)
	if err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	defer rows.Close()
	var out []wire.SharedTemplate
	for rows.Next() {
		var sh wire.SharedTemplate
		var deleted, at int64
		if err := rows.Scan(&sh.Seq, &sh.Origin, &sh.Employee, &sh.Model, &sh.KeyID, &sh.Sealed, &deleted, &at); err != nil {
			return nil, fmt.Errorf("shares: %w", err)
		}
		sh.Deleted, sh.At = deleted == 1, fromNanos(at)
		out = append(out, sh)
	}
	return out, rows.Err()
}

func (s *sqlStore) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

func (s *sqlStore) Close() error {
	s.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	err := s.db.Close()
	if s.onClose != nil {
		if cerr := s.onClose(); err == nil {
			err = cerr
		}
	}
	return err
}
