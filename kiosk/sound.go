package kiosk

import (
	"bytes"
	"clockface/kiosk/ui"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"
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

// Cues are the kiosk's three distinct sounds: a rising pair of notes for
// clocking in (and ending a break), a falling pair for clocking out (and
// starting a break), and a low double buzz for a refusal.
type Cues struct{ In, Out, Error *Chime }

// The cues' notes (Hz) and each note's length.
var (
	cueInNotes    = []float64{660, 880}
	cueOutNotes   = []float64{880, 660}
	cueErrorNotes = []float64{220, 0, 220}
)

const cueNote = 120 * time.Millisecond

// NewCues writes the three sounds under dir and finds a player.
func NewCues(dir string) (*Cues, error) {
	c := &Cues{}
	for _, x := range []struct {
		name  string
		notes []float64
		dst   **Chime
	}{{"in", cueInNotes, &c.In}, {"out", cueOutNotes, &c.Out}, {"error", cueErrorNotes, &c.Error}} {
		sub := filepath.Join(dir, x.name)
		if err := os.MkdirAll(sub, 0o700); err != nil {
			return nil, fmt.Errorf("cues: %w", err)
		}
		ch, err := NewChime(ToneWAV(x.notes, cueNote), sub)
		if err != nil {
			return nil, err
		}
		*x.dst = ch
	}
	return c, nil
}

// Play plays the sound of cue; it never blocks.
func (c *Cues) Play(cue ui.Cue) {
	switch cue {
	case ui.CueIn:
		c.In.Play()
	case ui.CueOut:
		c.Out.Play()
	default:
		c.Error.Play()
	}
}

// toneRate is the cues' sample rate.
const toneRate = 16000

// ToneWAV is a mono 16-bit WAV of notes (0 is a rest), each lasting d,
// with short fades so nothing clicks.
func ToneWAV(notes []float64, d time.Duration) []byte {
	per := int(d.Seconds() * toneRate)
	n := per * len(notes)
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(toneRate))
	w(uint32(2 * toneRate))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * n))
	fade := per / 10
	for i, f := range notes {
		for k := 0; k < per; k++ {
			amp := 0.5
			if k < fade {
				amp *= float64(k) / float64(fade)
			} else if per-k < fade {
				amp *= float64(per-k) / float64(fade)
			}
			v := 0.0
			if f > 0 {
				v = amp * math.Sin(2*math.Pi*f*float64(i*per+k)/toneRate)
			}
			w(int16(v * 32767))
		}
	}
	return b.Bytes()
}
