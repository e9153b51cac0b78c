package enroll

import "strings"

// Reason says why a frame was not taken as a sample, in words the UI can
// show the person in front of the camera. The value itself is a stable
// identifier for logs and JSON.
type Reason string

const (
	// ReasonNone: the frame was accepted.
	ReasonNone Reason = ""
	// ReasonNoFace: no face in the frame.
	ReasonNoFace Reason = "no_face"
	// ReasonManyFaces: more than one face in the frame.
	ReasonManyFaces Reason = "many_faces"
	// ReasonTooSmall: the face is narrower than Config.MinWidth.
	ReasonTooSmall Reason = "too_small"
	// ReasonTooDark: the face is darker than Config.MinBrightness.
	ReasonTooDark Reason = "too_dark"
	// ReasonTooBright: the face is brighter than Config.MaxBrightness.
	ReasonTooBright Reason = "too_bright"
	// ReasonBlurry: the face is less sharp than Config.MinSharpness.
	ReasonBlurry Reason = "blurry"
	// ReasonNotFrontal: the first sample must look at the camera, and no
	// sample may be turned past Config.MaxYaw.
	ReasonNotFrontal Reason = "not_frontal"
	// ReasonTooSimilar: the face is a near-duplicate of a sample already
	// taken (closer than Config.MinSampleSpread).
	ReasonTooSimilar Reason = "too_similar"
	// ReasonOtherPerson: the face is too far from the samples already
	// taken (Config.MaxSampleDistance) to be the same person.
	ReasonOtherPerson Reason = "other_person"
)

// reasonTexts are the prompts per locale.
var reasonTexts = map[string]map[Reason]string{
	"en": {
		ReasonNone:        "got it",
		ReasonNoFace:      "no face: look at the camera",
		ReasonManyFaces:   "only one person, please",
		ReasonTooSmall:    "move closer",
		ReasonTooDark:     "too dark",
		ReasonTooBright:   "too bright",
		ReasonBlurry:      "hold still",
		ReasonNotFrontal:  "look at the camera",
		ReasonTooSimilar:  "turn your head slightly",
		ReasonOtherPerson: "the same person, please",
	},
	"es": {
		ReasonNone:        "listo",
		ReasonNoFace:      "no se ve ninguna cara: mire a la cámara",
		ReasonManyFaces:   "solo una persona, por favor",
		ReasonTooSmall:    "acérquese",
		ReasonTooDark:     "demasiado oscuro",
		ReasonTooBright:   "demasiada luz",
		ReasonBlurry:      "no se mueva",
		ReasonNotFrontal:  "mire a la cámara",
		ReasonTooSimilar:  "gire la cabeza un poco",
		ReasonOtherPerson: "la misma persona, por favor",
	},
}

// Text is the prompt for r in a locale ("en", "es", or a tag such as
// "es-MX"); other locales get English.
func (r Reason) Text(locale string) string {
	texts, ok := reasonTexts[baseLocale(locale)]
	if !ok {
		texts = reasonTexts["en"]
	}
	if s, ok := texts[r]; ok {
		return s
	}
	return string(r)
}

// String is the English prompt.
func (r Reason) String() string { return r.Text("en") }

// baseLocale is the language part of a locale tag, lower case: "es-MX" and
// "es_MX.UTF-8" are "es".
func baseLocale(locale string) string {
	l := strings.ToLower(locale)
	if i := strings.IndexAny(l, "-_."); i >= 0 {
		l = l[:i]
	}
	return l
}
