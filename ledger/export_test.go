package ledger

// SetTestHook makes the ledger stop at the named step (see RotateKey) when
// f returns true, as a crash there would.
func SetTestHook(l *Ledger, f func(step string) bool) { l.testHook = f }

// ErrHook is what an operation stopped by a test hook returns.
var ErrHook = errHook
