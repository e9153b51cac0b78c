package clocktest_test

import (
	"testing"
	"time"

	"clockface"
	"clockface/internal/clocktest"
)

var _ clockface.Clock = (*clocktest.Clock)(nil)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	c := clocktest.New(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now() = %v, want %v", got, t0)
	}
	if got, want := c.Add(90*time.Second), t0.Add(90*time.Second); !got.Equal(want) || !c.Now().Equal(want) {
		t.Fatalf("Add(90s) = %v, Now() = %v, want %v", got, c.Now(), want)
	}
	c.Set(t0.Add(-time.Hour))
	if got, want := c.Now(), t0.Add(-time.Hour); !got.Equal(want) {
		t.Fatalf("after Set, Now() = %v, want %v", got, want)
	}
}
