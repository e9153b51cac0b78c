package assets

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestPunchSoundIsAShortWAV(t *testing.T) {
	b := PunchSound()
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file (%d bytes)", len(b))
	}
	rate := binary.LittleEndian.Uint32(b[24:28])
	data := binary.LittleEndian.Uint32(b[40:44])
	if got, want := int(data)/2*1000/int(rate), 180; got != want {
		t.Errorf("duration: got %d ms, want %d ms", got, want)
	}
}

func TestIconIsSVG(t *testing.T) {
	if !bytes.HasPrefix(Icon(), []byte("<svg")) {
		t.Error("icon is not SVG")
	}
}
