// Package clocktest is the one test clock: a clockface.Clock that a test
// sets and moves by hand, safe for concurrent use. Tests import it instead
// of keeping a copy of their own, and never sleep to make time pass.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a settable clock. The zero value reads the zero time; use New.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that reads t until it is moved.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's current reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t (backwards too: kiosk clocks do jump).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock forward by d and returns the new reading.
func (c *Clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
