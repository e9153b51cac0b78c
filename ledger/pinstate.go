package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clockface"
)

// Tries is where an employee stands against the lockout rule, as the
// ledger enforces it (CheckPIN, RecordFailure): how many more wrong PINs
// or failed face checks are allowed before the ledger locks the account,
// and how long the lock they would engage lasts. The kiosk words its "1
// try left before a 30-second lock" from it, so the count on screen is the
// ledger's own, counting every kiosk process and face failures too.
//
// While the account is locked it returns *clockface.LockedError. After a
// lock has run out the count is not reset (only a right PIN or a face
// match resets it), so the next failure locks again at once, for twice
// as long: left is 1 then. An unknown number wraps
// clockface.ErrUnknownEmployee.
func (l *Ledger) Tries(ctx context.Context, number string) (left int, lockFor time.Duration, err error) {
	var failures int
	var until sql.NullInt64
	err = l.db.QueryRowContext(ctx, `SELECT COALESCE(a.failures, 0), a.locked_until FROM employees e LEFT JOIN attempts a ON a.employee_id = e.id
		WHERE e.number = ?`, number).Scan(&failures, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("tries of %q: %w", number, clockface.ErrUnknownEmployee)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("tries of %s: %w", number, err)
	}
	if le := lockedErr(number, until.Int64, l.now()); le != nil {
		return 0, 0, le
	}
	left, lockFor = triesLeft(failures)
	return left, lockFor, nil
}

// triesLeft is the lockout rule seen from failures already counted: the
// lock engages at the lockFailures-th failure in a row, and every failure
// after it locks again, each lock twice as long (lockDuration).
func triesLeft(failures int) (int, time.Duration) {
	at := max(failures+1, lockFailures) // the failure that engages the next lock
	return at - failures, lockDuration(at)
}
