package ledger

import (
	"context"
	"database/sql"
	"fmt"
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
// punches stay, so timesheets and payroll keep working. Call Checkpoint afterwards to flush the WAL.
func (l *Ledger) Erase(ctx context.Context, number, actor string) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		var r EraseReport
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
		return fmt.Errorf("erase %s: %w", number, err)
	}
	l.flushDeleted(ctx)
	return nil
}
