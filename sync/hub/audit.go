package hub

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one entry of the hub's own audit log: every edit made on
// the hub (punch repairs, directory fields, approvals, locks, settings,
// exports), hash-chained like the kiosk ledger's.
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Subject  string          `json:"subject"`
	Detail   json.RawMessage `json:"detail"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// AuditBrokenError names the first hub audit entry whose chain is broken.
type AuditBrokenError struct {
	Seq    int64
	Reason string
}

func (e *AuditBrokenError) Error() string {
	return fmt.Sprintf("hub audit chain broken at entry %d: %s", e.Seq, e.Reason)
}

// auditHash is SHA-256 over the entry's fields, each length-prefixed (the
// ledger's encoding), so no two different entries share one.
func auditHash(seq, at int64, actor, action, subject, detail, prev string) string {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(at))
	h.Write(b[:])
	for _, s := range []string{actor, action, subject, detail, prev} {
		binary.BigEndian.PutUint64(b[:], uint64(len(s)))
		h.Write(b[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends an entry inside tx. It moves the head row first, so
// concurrent writers queue on it and the chain never forks.
func (s *DB) audit(ctx context.Context, tx *sql.Tx, at time.Time, actor, action, subject string, detail any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE hub_audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	n := nanos(at)
	h := auditHash(seq, n, actor, action, subject, string(d), prev)
	if _, err := s.exec(ctx, tx, `INSERT INTO hub_audit (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, n, actor, action, subject, string(d), prev, h); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if _, err := s.exec(ctx, tx, `UPDATE hub_audit_head SET hash = ? WHERE id = 1`, h); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Audit returns the hub audit log, oldest first.
func (s *DB) Audit(ctx context.Context) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM hub_audit ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("hub audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var detail string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Subject, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("hub audit: %w", err)
		}
		e.At, e.Detail = fromNanos(at), json.RawMessage(detail)
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit recomputes the chain: it returns the number of entries, or
// an *AuditBrokenError naming the first entry that was changed, removed or
// inserted.
func (s *DB) VerifyAudit(ctx context.Context) (int, error) {
	es, err := s.Audit(ctx)
	if err != nil {
		return 0, err
	}
	prev := ""
	for i, e := range es {
		if e.Seq != int64(i+1) {
			return i, &AuditBrokenError{Seq: e.Seq, Reason: fmt.Sprintf("sequence number %d where %d belongs", e.Seq, i+1)}
		}
		if e.PrevHash != prev {
			return i, &AuditBrokenError{Seq: e.Seq, Reason: "previous hash does not match"}
		}
		if auditHash(e.Seq, nanos(e.At), e.Actor, e.Action, e.Subject, string(e.Detail), e.PrevHash) != e.Hash {
			return i, &AuditBrokenError{Seq: e.Seq, Reason: "entry does not match its hash"}
		}
		prev = e.Hash
	}
	var headSeq int64
	var headHash string
	if err := s.db.QueryRowContext(ctx, `SELECT seq, hash FROM hub_audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return len(es), fmt.Errorf("hub audit head: %w", err)
	}
	if headSeq != int64(len(es)) || headHash != prev {
		return len(es), &AuditBrokenError{Seq: headSeq, Reason: fmt.Sprintf("the head names entry %d, the log ends at %d", headSeq, len(es))}
	}
	return len(es), nil
}
