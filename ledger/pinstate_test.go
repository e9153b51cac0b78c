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
