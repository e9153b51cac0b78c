package hub

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"clockface/sync/wire"
)

// rateLimiter allows n failed attempts per window from one key (a client
// address), in fixed windows: guessing pairing codes fails every time,
// pairing a fleet with valid codes never does. It remembers at most max
// keys, forgetting those whose window has passed when full.
type rateLimiter struct {
	n      int
	window time.Duration
	max    int

	mu   sync.Mutex
	seen map[string]*rateWindow
}

type rateWindow struct {
	start time.Time
	count int
}

func newRateLimiter(n int, window time.Duration, max int) *rateLimiter {
	return &rateLimiter{n: n, window: window, max: max, seen: map[string]*rateWindow{}}
}

// allow reports whether key may try again at now: fewer than n failures
// in its current window.
func (l *rateLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.seen[key]
	return !ok || now.Sub(w.start) >= l.window || w.count < l.n
}

// fail counts one failed attempt from key at now.
func (l *rateLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.seen[key]
	if ok && now.Sub(w.start) >= l.window {
		w.start, w.count = now, 0
	}
	if !ok {
		if len(l.seen) >= l.max {
			for k, old := range l.seen {
				if now.Sub(old.start) >= l.window {
					delete(l.seen, k)
				}
			}
		}
		if len(l.seen) >= l.max {
			return // full: the address is not counted (allow still refuses nobody new)
		}
		w = &rateWindow{start: now}
		l.seen[key] = w
	}
	w.count++
}

// checkFuture refuses a batch with a time more than wire.MaxFuture ahead
// of the hub's clock: a punch dated 2199 would sort after everything and
// could never be corrected away by a later one.
func checkFuture(b wire.Batch, now time.Time) *failure {
	limit := now.Add(wire.MaxFuture)
	bad := func(field string, t time.Time) *failure {
		return &failure{wire.CodeFutureTime, http.StatusBadRequest,
			fmt.Sprintf("%s %s is more than %s ahead of hub time %s: fix the kiosk clock",
				field, t.Format(time.RFC3339), wire.MaxFuture, now.Format(time.RFC3339))}
	}
	for i, e := range b.Events {
		times := []struct {
			field string
			t     time.Time
		}{{"at", e.At}, {"punch.at", e.Punch.At}}
		if c := e.Punch.Correction; c != nil {
			times = append(times, struct {
				field string
				t     time.Time
			}{"punch.correction.at", c.At}, struct {
				field string
				t     time.Time
			}{"punch.correction.when", c.When})
		}
		if v := e.Punch.Void; v != nil {
			times = append(times, struct {
				field string
				t     time.Time
			}{"punch.void.when", v.When})
		}
		for _, tt := range times {
			if tt.t.After(limit) {
				return bad(fmt.Sprintf("events[%d].%s", i, tt.field), tt.t)
			}
		}
	}
	return nil
}
