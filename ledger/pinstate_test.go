package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"clockface"
	"clockface/ledger"
)

// TestTries follows one employee through the lockout rule: each step is a
// PIN check, a face failure or time passing, and Tries must then give what
// the ledger's own lock does next.
func TestTries(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "E1", "2468")
	wrong := func(l *ledger.Ledger) {
		if err := l.CheckPIN(ctx, "E1", "0000"); !errors.Is(err, clockface.ErrBadPIN) && !isLocked(err) {
			t.Fatalf("wrong PIN: got %v", err)
		}
	}
	steps := []struct {
		name    string
		do      func(l *ledger.Ledger)
		left    int
		lockFor time.Duration
		locked  bool
	}{
		{"fresh", func(*ledger.Ledger) {}, 3, 30 * time.Second, false},
		{"one wrong PIN", wrong, 2, 30 * time.Second, false},
		{"a failed face check counts too", func(l *ledger.Ledger) {
			if err := l.RecordFailure(ctx, "E1", clockface.MethodFace); err != nil {
				t.Fatal(err)
			}
		}, 1, 30 * time.Second, false},
		{"third failure locks", wrong, 0, 0, true},
		{"still locked after 29 s", func(*ledger.Ledger) { e.clock.Add(29 * time.Second) }, 0, 0, true},
		{"lock over: the next failure locks for 60 s", func(*ledger.Ledger) { e.clock.Add(time.Second) }, 1, 60 * time.Second, false},
		{"fourth failure locks again", wrong, 0, 0, true},
		{"lock over: then 120 s", func(*ledger.Ledger) { e.clock.Add(60 * time.Second) }, 1, 120 * time.Second, false},
		{"a right PIN resets", func(l *ledger.Ledger) {
			if err := l.CheckPIN(ctx, "E1", "2468"); err != nil {
				t.Fatal(err)
			}
		}, 3, 30 * time.Second, false},
	}
	for _, s := range steps {
		s.do(l)
		left, lockFor, err := l.Tries(ctx, "E1")
		var le *clockface.LockedError
		switch {
		case s.locked && !errors.As(err, &le):
			t.Fatalf("%s: got %d tries, %v, %v; want locked", s.name, left, lockFor, err)
		case !s.locked && err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case left != s.left || lockFor != s.lockFor:
			t.Fatalf("%s: got %d tries left before a %v lock, want %d before %v", s.name, left, lockFor, s.left, s.lockFor)
		}
		if s.locked {
			if lerr := l.Lockout(ctx, "E1"); !isLocked(lerr) {
				t.Fatalf("%s: Tries says locked, Lockout says %v", s.name, lerr)
			}
		}
	}
	if _, _, err := l.Tries(ctx, "E404"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("unknown number: got %v, want ErrUnknownEmployee", err)
	}
}

func isLocked(err error) bool {
	var le *clockface.LockedError
	return errors.As(err, &le)
}

// TestCheckPINKeepingFailures: the first factor of PIN then face. A right
// PIN leaves the failures before it standing (and sets no lock of its
// own), so failed faces in between still reach the lock; a wrong one
// counts as with CheckPIN; a created punch clears the count.
func TestCheckPINKeepingFailures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "E1", "2468")
	face := func() {
		if err := l.RecordFailure(ctx, "E1", clockface.MethodFace); err != nil {
			t.Fatal(err)
		}
	}
	right := func() error { return l.CheckPINKeepingFailures(ctx, "E1", "2468") }
	steps := []struct {
		name   string
		do     func() error
		left   int
		locked bool
	}{
		{"right PIN, fresh", right, 3, false},
		{"a failed face", func() error { face(); return nil }, 2, false},
		{"right PIN keeps it", right, 2, false},
		{"a second failed face", func() error { face(); return nil }, 1, false},
		{"right PIN on the last try sets no lock", right, 1, false},
		{"a third failed face locks", func() error { face(); return nil }, 0, true},
		{"the right PIN is refused while locked", func() error {
			if err := right(); !isLocked(err) {
				t.Fatalf("right PIN while locked: got %v, want the lock", err)
			}
			return nil
		}, 0, true},
		{"lock over", func() error { e.clock.Add(31 * time.Second); return nil }, 1, false},
		{"wrong PIN counts", func() error {
			if err := l.CheckPINKeepingFailures(ctx, "E1", "0000"); !errors.Is(err, clockface.ErrBadPIN) && !isLocked(err) {
				t.Fatalf("wrong PIN: got %v", err)
			}
			return nil
		}, 0, true},
		{"a punch clears the count", func() error {
			e.clock.Add(2 * time.Minute)
			_, err := l.Record(ctx, clockface.PunchRequest{Employee: "E1", Method: clockface.MethodPIN})
			return err
		}, 3, false},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		left, _, err := l.Tries(ctx, "E1")
		switch {
		case s.locked && !isLocked(err):
			t.Fatalf("%s: got %d tries, %v; want locked", s.name, left, err)
		case !s.locked && (err != nil || left != s.left):
			t.Fatalf("%s: got %d tries, %v; want %d", s.name, left, err, s.left)
		}
	}
}
