package kiosk

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
)

// Chime plays a short WAV best-effort with the first player found (aplay,
// paplay or ffplay). Play never blocks and never fails: a kiosk without
// speakers still clocks people in. A nil *Chime is silent.
type Chime struct {
	argv    []string
	playing atomic.Bool
}

// players are the programs tried in order; the WAV's path is appended.
func players() [][]string {
	return [][]string{
		{"aplay", "-q"},
		{"paplay"},
		{"ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"},
	}
}

// NewChime writes wav into dir and finds a player. It returns a silent
// chime (and no error) when there is no player.
func NewChime(wav []byte, dir string) (*Chime, error) {
	path := filepath.Join(dir, "punch.wav")
	if err := os.WriteFile(path, wav, 0o600); err != nil {
		return nil, fmt.Errorf("chime: %w", err)
	}
	for _, p := range players() {
		if bin, err := exec.LookPath(p[0]); err == nil {
			argv := append([]string{bin}, p[1:]...)
			return &Chime{argv: append(argv, path)}, nil
		}
	}
	return &Chime{}, nil
}

// Player names the program used, "" when silent.
func (c *Chime) Player() string {
	if c == nil || len(c.argv) == 0 {
		return ""
	}
	return filepath.Base(c.argv[0])
}

// Play starts the sound in the background; a chime still playing is not
// started again.
func (c *Chime) Play() {
	if c == nil || len(c.argv) == 0 || !c.playing.CompareAndSwap(false, true) {
		return
	}
	cmd := exec.Command(c.argv[0], c.argv[1:]...)
	if err := cmd.Start(); err != nil {
		c.playing.Store(false)
		return
	}
	go func() {
		_ = cmd.Wait() // best effort: no audio device is not an error here
		c.playing.Store(false)
	}()
}
