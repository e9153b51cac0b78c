package assets

import "embed"

// The kiosk's sound and icon (owned by the kiosk area; the consent notices
// are in assets.go).
//
//go:embed sounds/punch.wav icons/clockface.svg
var mediaFS embed.FS

// PunchSound is the short chime played on each punch: a 16 kHz mono WAV.
func PunchSound() []byte { return mustRead("sounds/punch.wav") }

// Icon is the kiosk's application icon, as SVG.
func Icon() []byte { return mustRead("icons/clockface.svg") }

// mustRead reads an embedded file; the embed directive above guarantees it
// exists, so a failure is a build defect.
func mustRead(name string) []byte {
	b, err := mediaFS.ReadFile(name)
	if err != nil {
		panic("assets: " + err.Error())
	}
	return b
}
