package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// genesisHash is the prev_hash of the first audit entry.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEntry is one audit log entry.
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

// BrokenLinkError names the first audit entry whose chain is broken.
type BrokenLinkError struct {
	Seq    int64
	Reason string
}

func (e *BrokenLinkError) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", e.Seq, e.Reason)
}

// entryHash is SHA-256 over the entry's fields, each length-prefixed, so no
// two different entries share an encoding.
func entryHash(seq int64, at int64, actor, action, subject, detail, prev string) string {
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

// Audit appends an entry to the audit log. detail is stored as JSON.
func (l *Ledger) Audit(ctx context.Context, actor, action, subject string, detail any) error {
	if err := l.tx(ctx, func(tx *sql.Tx) error { return l.audit(ctx, tx, actor, action, subject, detail) }); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// audit appends an entry inside tx; the caller's transaction serialises
// writers, so the chain never forks.
func (l *Ledger) audit(ctx context.Context, tx *sql.Tx, actor, action, subject string, detail any) error {
	if actor == "" {
		actor = "system"
	}
	if detail == nil {
		detail = struct{}{}
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit detail: %w", err)
	}
	var seq int64
	prev := genesisHash
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	seq++
	at := nanos(l.now())
	h := entryHash(seq, at, actor, action, subject, string(d), prev)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, at, actor, action, subject, string(d), prev, h)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		fmt.Sprintf("%d:%s", seq, h))
	return err
}

// AuditHead is the last entry's sequence number and hash (0 and the
// genesis hash for an empty log). Sync sends it with every batch.
func (l *Ledger) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	h := genesisHash
	err := l.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, h, nil
}

// VerifyAudit walks the chain from the first entry and returns a
// *BrokenLinkError naming the first entry that was edited, removed, inserted
// or moved. The head recorded in meta catches removal of the last entries.
//
// The walk and the head are read in one read transaction, a consistent
// snapshot, so entries appended meanwhile by this or another process are
// not mistaken for a broken chain; writers are not blocked (WAL).
func (l *Ledger) VerifyAudit(ctx context.Context) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("verify audit: %w", err)
	}
	defer conn.Close()
	// A deferred transaction on a connection of its own: the pool's
	// transactions begin IMMEDIATE (a write lock) and verifying needs none.
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return fmt.Errorf("verify audit: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return verifyChain(ctx, conn)
}

func verifyChain(ctx context.Context, q querier) error {
	// The head first: it establishes the snapshot the walk then reads.
	var head string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'audit_head'`).Scan(&head)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("verify audit: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	var want int64 = 1
	prev := genesisHash
	for rows.Next() {
		var (
			seq, at                                  int64
			actor, action, subject, detail, ph, hash string
		)
		if err := rows.Scan(&seq, &at, &actor, &action, &subject, &detail, &ph, &hash); err != nil {
			return fmt.Errorf("verify audit: %w", err)
		}
		switch {
		case seq != want:
			return &BrokenLinkError{Seq: want, Reason: fmt.Sprintf("entry missing (next entry is %d)", seq)}
		case ph != prev:
			return &BrokenLinkError{Seq: seq, Reason: "previous-hash does not match the entry before"}
		case entryHash(seq, at, actor, action, subject, detail, ph) != hash:
			return &BrokenLinkError{Seq: seq, Reason: "contents do not match its hash"}
		}
		prev = hash
		want++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify audit: %w", err)
	}
	last := want - 1
	if head != "" && head != fmt.Sprintf("%d:%s", last, prev) {
		return &BrokenLinkError{Seq: last + 1, Reason: fmt.Sprintf("log ends at entry %d but its recorded head is %s", last, head)}
	}
	return nil
}

// AuditEntries returns the entries about subject (all entries if subject
// is empty), oldest first.
func (l *Ledger) AuditEntries(ctx context.Context, subject string) ([]AuditEntry, error) {
	q := `SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit`
	var args []any
	if subject != "" {
		q += ` WHERE subject = ?`
		args = append(args, subject)
	}
	return l.auditQuery(ctx, q+` ORDER BY seq`, args...)
}

func (l *Ledger) auditQuery(ctx context.Context, q string, args ...any) ([]AuditEntry, error) {
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var detail string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Subject, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("audit entries: %w", err)
		}
		e.At = fromNanos(at)
		e.Detail = json.RawMessage(detail)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	return out, nil
}
