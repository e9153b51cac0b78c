package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PurgeReport counts what a purge deleted.
type PurgeReport struct {
	Snapshots int `json:"snapshots"`
	Templates int `json:"templates"`
	// DataKeys counts data keys destroyed because nothing sealed under them
	// remained (crypto-shredding).
	DataKeys int `json:"data_keys"`
}

// purgeBatch bounds how many snapshots one purge transaction deletes, so a
// large backlog (after downtime, or a shorter retention) never holds the
// write lock long enough to make a punch wait.
const purgeBatch = 500

// Purge applies the retention rules:
//   - snapshots captured Config.ImageRetention ago or earlier (in batches of
//     purgeBatch, each its own transaction);
//   - templates of employees terminated Config.TemplateGrace ago or earlier;
//   - templates of employees whose last punch (or, with no punch, the
//     template itself) is Config.InactivityCap old;
//   - data keys with nothing left sealed under them.
//
// The last three and an audit entry with the run's counts share one
// transaction. Open runs Purge, and the kiosk calls it hourly.
func (l *Ledger) Purge(ctx context.Context) (PurgeReport, error) {
	var r PurgeReport
	now := l.now()
	cutoff := nanos(now.Add(-l.cfg.ImageRetention))
	for {
		var n int
		err := l.tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM snapshots WHERE id IN (
				SELECT id FROM snapshots WHERE captured_at <= ? ORDER BY captured_at LIMIT ?)`, cutoff, purgeBatch)
			if err != nil {
				return err
			}
			n = rowsAffected(res)
			return nil
		})
		if err != nil {
			return PurgeReport{}, fmt.Errorf("purge snapshots: %w", err)
		}
		r.Snapshots += n
		if n < purgeBatch {
			break
		}
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE employee_id IN (
			SELECT id FROM employees WHERE status = 'terminated' AND terminated_at <= ?)`, nanos(now.Add(-l.cfg.TemplateGrace)))
		if err != nil {
			return err
		}
		r.Templates = rowsAffected(res)
		res, err = tx.ExecContext(ctx, `DELETE FROM templates WHERE id IN (
			SELECT t.id FROM templates t
			WHERE COALESCE((SELECT max(p.at) FROM punches p WHERE p.employee_id = t.employee_id AND p.voided_when IS NULL), t.created_at) <= ?)`,
			nanos(now.Add(-l.cfg.InactivityCap)))
		if err != nil {
			return err
		}
		r.Templates += rowsAffected(res)
		res, err = tx.ExecContext(ctx, `DELETE FROM data_keys WHERE
			NOT EXISTS (SELECT 1 FROM templates t WHERE t.employee_id = data_keys.employee_id) AND
			NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.employee_id = data_keys.employee_id)`)
		if err != nil {
			return err
		}
		r.DataKeys = rowsAffected(res)
		return l.audit(ctx, tx, "system", "retention.purge", "", r)
	})
	if err != nil {
		return PurgeReport{}, fmt.Errorf("purge: %w", err)
	}
	if r != (PurgeReport{}) {
		l.flushDeleted(ctx)
	}
	return r, nil
}

func rowsAffected(res sql.Result) int {
	n, _ := res.RowsAffected()
	return int(n)
}

// EraseReport counts what an erasure deleted.
type EraseReport struct {
	Templates int `json:"templates"`
	Snapshots int `json:"snapshots"`
	DataKeys  int `json:"data_keys"`
}

// Erase removes the employee's biometrics and images: templates,
// snapshots and their data key (so any copy of a ciphertext left on flash is
// unreadable), and withdraws a live consent. The employee row, consents and
// punches stay, so timesheets and payroll keep working. The WAL flush is
// best effort; EraseAndClear waits for readers and says whether the bytes
// are gone.
func (l *Ledger) Erase(ctx context.Context, number, actor string) error {
	if _, err := l.erase(ctx, number, actor); err != nil {
		return err
	}
	l.flushDeleted(ctx)
	return nil
}

// EraseResult says what an erasure achieved.
type EraseResult struct {
	// Erased: the deletion is committed; nothing of it can be read back
	// through the ledger, and the data key is gone.
	Erased bool
	// BytesCleared: the WAL was checkpointed and truncated, so the file
	// (database and WAL) holds neither the ciphertexts nor the wrapped data
	// key any more. False means another connection kept reading an older
	// snapshot for the whole Config.EraseWait; the bytes go at the next
	// Checkpoint after it closes.
	BytesCleared bool
	Report       EraseReport
}

// EraseAndClear erases like Erase, then checkpoints until the old pages
// are out of the file, waiting up to Config.EraseWait for other
// connections' read transactions to end.
func (l *Ledger) EraseAndClear(ctx context.Context, number, actor string) (EraseResult, error) {
	r, err := l.erase(ctx, number, actor)
	if err != nil {
		return EraseResult{}, err
	}
	res := EraseResult{Erased: true, Report: r}
	cleared, err := l.checkpointWait(ctx, l.cfg.EraseWait)
	if err != nil {
		return res, fmt.Errorf("erase %s: committed, but %w", number, err)
	}
	res.BytesCleared = cleared
	return res, nil
}

// checkpointAttempt is how long one checkpoint waits for readers (the
// busy timeout of its connection) before EraseAndClear tries again.
const checkpointAttempt = 250 * time.Millisecond

// checkpointWait runs wal_checkpoint(TRUNCATE) until it succeeds or wait
// has passed. Each attempt blocks in SQLite's busy handler for up to
// checkpointAttempt while a reader holds an old snapshot.
func (l *Ledger) checkpointWait(ctx context.Context, wait time.Duration) (bool, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", checkpointAttempt.Milliseconds())); err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds()))
	deadline := time.Now().Add(wait)
	for {
		var busy, logPages, done int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
			return false, fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return true, nil
		}
		if l.hook("checkpoint-busy") != nil || !time.Now().Before(deadline) {
			return false, nil
		}
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("checkpoint: %w", err)
		}
	}
}

func (l *Ledger) erase(ctx context.Context, number, actor string) (EraseReport, error) {
	var r EraseReport
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		r = EraseReport{}
		res, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE employee_id = ?`, id)
		if err != nil {
			return err
		}
		r.Templates = rowsAffected(res)
		if res, err = tx.ExecContext(ctx, `DELETE FROM snapshots WHERE employee_id = ?`, id); err != nil {
			return err
		}
		r.Snapshots = rowsAffected(res)
		if res, err = tx.ExecContext(ctx, `DELETE FROM data_keys WHERE employee_id = ?`, id); err != nil {
			return err
		}
		r.DataKeys = rowsAffected(res)
		// Erasure also ends consent: enrolling again needs a new one.
		if _, err := tx.ExecContext(ctx, `UPDATE consents SET withdrawn_at = ? WHERE employee_id = ? AND withdrawn_at IS NULL`, nanos(l.now()), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE employees SET erased_at = ? WHERE id = ?`, nanos(l.now()), id); err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "employee.erase", number, r)
	})
	if err != nil {
		return EraseReport{}, fmt.Errorf("erase %s: %w", number, err)
	}
	return r, nil
}
