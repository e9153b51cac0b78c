package kiosk

import (
	"os"
	"path/filepath"
	"testing"

	"clockface/assets"
)

func TestChimeWritesTheWAVAndNeverBlocks(t *testing.T) {
	dir := t.TempDir()
	c, err := NewChime(assets.PunchSound(), dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "punch.wav"))
	if err != nil || string(b[:4]) != "RIFF" {
		t.Fatalf("wav: %v", err)
	}
	t.Logf("player: %q", c.Player())
	c.Play() // returns at once, with or without a player or a sound card
	c.Play()
	var silent *Chime
	silent.Play()
	if got, want := silent.Player(), ""; got != want {
		t.Errorf("nil chime player: got %q, want %q", got, want)
	}
}
