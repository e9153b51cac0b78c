package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"clockface"
	"clockface/kiosk/flow"
)

// Lang is the kiosk's display language.
type Lang string

const (
	English Lang = "en"
	Spanish Lang = "es"
)

// Langs lists the languages the catalogue is complete in.
func Langs() []Lang { return []Lang{English, Spanish} }

// ParseLang checks a language code against the catalogue.
func ParseLang(code string) (Lang, error) {
	l := Lang(strings.ToLower(strings.TrimSpace(code)))
	if _, ok := catalogue[l]; ok {
		return l, nil
	}
	var names []string
	for _, k := range Langs() {
		names = append(names, string(k))
	}
	return "", fmt.Errorf("language %q: the kiosk speaks %s", code, strings.Join(names, ", "))
}

// texts returns the strings of a language (English for any other).
func texts(l Lang) map[string]string {
	if t, ok := catalogue[l]; ok {
		return t
	}
	return catalogue[English]
}

// Keys lists the catalogue's keys, sorted (for the completeness test).
func Keys(l Lang) []string {
	var ks []string
	for k := range catalogue[l] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// catalogue is every string the kiosk shows, per language. Keys are the
// flow's messages, the punch kinds (confirmation "Clocked in 08:58",
// "kind-" buttons, "since-" greetings) and the screen's own labels.
var catalogue = map[Lang]map[string]string{
	English: {
		string(flow.MsgLook):           "Look at the camera",
		string(flow.MsgTypeNumber):     "Type your employee number",
		string(flow.MsgTurnLeft):       "Turn your head to your left",
		string(flow.MsgTurnRight):      "Turn your head to your right",
		string(flow.MsgCloser):         "Come closer to the camera",
		string(flow.MsgMoveHead):       "Turn your head a little",
		string(flow.MsgHoldStill):      "Hold still",
		string(flow.MsgIdentifying):    "Hold still, checking who you are",
		string(flow.MsgConfirmPIN):     "Please confirm with your PIN",
		string(flow.MsgNotRecognised):  "Not recognised - use your PIN",
		string(flow.MsgLivenessFailed): "Could not check your face - use your PIN",
		string(flow.MsgUsePIN):         "Type your number and PIN",
		string(flow.MsgWrongPIN):       "Wrong number or PIN",
		string(flow.MsgLocked):         "Account %s is locked. Try again in %s, or ask HR.",
		string(flow.MsgUndone):         "Punch undone",
		string(flow.MsgAlready):        "Already clocked",
		string(flow.MsgPunched):        "Done",
		string(flow.MsgError):          "Error, please tell HR",
		string(flow.MsgEngineError):    "Face check unavailable, use your PIN",
		string(flow.MsgChoose):         "Choose",
		string(clockface.PunchIn):      "Clocked in %s",
		string(clockface.PunchOut):     "Clocked out %s",
		string(clockface.BreakStart):   "Break started %s",
		string(clockface.BreakEnd):     "Break ended %s",
		"kind-in":                      "Clock in",
		"kind-out":                     "Clock out",
		"kind-break_start":             "Start break",
		"kind-break_end":               "End break",
		"since-in":                     "Hi %s, clocked in since %s",
		"since-break_start":            "Hi %s, on break since %s",
		"since-out":                    "Hi %s, you are clocked out",
		"countdown":                    "%s in %d s",
		"not-me":                       "Not me",
		"retry":                        "Try again: ",
		"wrong-pin-left":               "Wrong PIN - %d tries left before a %d-second lock",
		"wrong-pin-1":                  "Wrong PIN - 1 try left before a %d-second lock",
		"hi":                           "Hi %s",
		"walk-up":                      "Walk up to clock in",
		"online":                       "● Online · synced %s",
		"online-never":                 "● Online",
		"offline":                      "○ Offline · %d punches waiting",
		"offline-1":                    "○ Offline · 1 punch waiting",
		"offline-0":                    "○ Offline · nothing waiting",
		"use-pin-button":               "Use PIN",
		"number":                       "Employee number",
		"pin":                          "PIN",
		"ok":                           "OK",
		"cancel":                       "Cancel",
		"undo":                         "Undo",
		"letters":                      "ABC",
		"digits":                       "123",
		"other-lang":                   "Español",
		"admin":                        "HR",
		"hr-pin":                       "HR PIN",
		"hr-wrong":                     "Wrong HR PIN",
		"hr-locked":                    "The HR PIN is locked after wrong tries. Try again in %s.",
		"idle-warning":                 "Signing out in %d s - tap a button to stay",
		"employees":                    "Employees",
		"today":                        "Today's punches",
		"enrol":                        "Enrol a face",
		"lock":                         "Lock kiosk",
		"unlock":                       "Unlock kiosk",
		"close":                        "Close",
		"locked-kiosk":                 "Out of service",
		"locked-why":                   "HR has closed this kiosk.",
		"clock-elsewhere":              "Please clock in at another kiosk or at the HR office.",
		"camera-down":                  "Camera unavailable: use your PIN",
		"name":                         "Full name",
		"progress":                     "Sample %d of %d",
		"decline":                      "No thanks",
		"wiz-title":                    "Enrol a new employee",
		"wiz-step":                     "Step %d of %d · %s",
		"wiz-step-details":             "details",
		"wiz-step-notice":              "notice",
		"wiz-step-sign":                "signature",
		"wiz-step-capture":             "camera",
		"wiz-step-result":              "result",
		"wiz-number-empty":             "Type the employee number",
		"wiz-number-used":              "This number is already used: type another one",
		"wiz-number-checking":          "Checking the number…",
		"wiz-name-empty":               "Type the full name",
		"wiz-pin-short":                "The PIN needs at least 4 digits",
		"wiz-pin-long":                 "The PIN has at most 8 digits",
		"wiz-pin-digits":               "The PIN is digits only",
		"wiz-pin-mismatch":             "The two PINs are not the same",
		"wiz-pin2":                     "PIN again",
		"wiz-lang":                     "Language of the notice and the screens",
		"wiz-next":                     "Next",
		"wiz-back":                     "Back",
		"wiz-quit":                     "Cancel",
		"wiz-scroll":                   "▼ Read to the end of the notice to choose",
		"wiz-read":                     "You have read the notice. Your choice:",
		"wiz-agree":                    "I agree",
		"wiz-sign-title":               "Type your full name to sign",
		"wiz-sign-hint":                "Your typed name is your signature under the notice you have just read (%s). No photo is taken before you sign.",
		"wiz-sign-empty":               "Type your full name",
		"wiz-sign-mismatch":            "Type your name as HR entered it: %s",
		"wiz-sign-button":              "Sign and start the camera",
		"wiz-capture-title":            "Look at the camera, your face inside the oval",
		"wiz-got-it":                   "✔ Taken - now turn your head a little",
		"wiz-stop":                     "Stop",
		"coach-":                       "Look straight at the camera",
		"coach-no_face":                "Put your face inside the oval",
		"coach-many_faces":             "Only one person in front of the camera, please",
		"coach-too_small":              "Too far: come closer to the camera",
		"coach-too_dark":               "Too dark: face the light",
		"coach-too_bright":             "Too bright: step out of direct light",
		"coach-blurry":                 "Hold still",
		"coach-not_frontal":            "Turn to face the camera",
		"coach-too_similar":            "Turn your head a little",
		"coach-other_person":           "Only the person being enrolled, please",
		"wiz-enrolled-title":           "✔ Face enrolled",
		"wiz-enrolled":                 "%s (%s) can now clock in by face, or with the PIN.",
		"wiz-stored":                   "Stored on this kiosk, encrypted: a face template made from %d samples, the consent signed by %s (notice %s), and the PIN.",
		"wiz-images":                   "%d enrolment photos are kept and deleted within 90 days.",
		"wiz-no-images":                "No photo was kept.",
		"wiz-declined-title":           "✔ Decline recorded",
		"wiz-declined":                 "%s (%s) will clock in with the PIN. No photo of the face was taken and no face data is stored.",
		"wiz-blocked-title":            "✖ Enrolment blocked",
		"wiz-blocked":                  "This face is already enrolled as employee %s. Nothing was stored. HR must check the records (the same person under two numbers?) before enrolling again.",
		"wiz-failed-title":             "✖ Enrolment not finished",
		"wiz-failed":                   "Nothing was stored (no employee, no consent). Reason: %s. Try again, or close and enrol later.",
		"wiz-stopped":                  "stopped before the end",
		"wiz-retry":                    "Try again",
		"wiz-done":                     "Done",
	},
	Spanish: {
		string(flow.MsgLook):           "Mire a la cámara",
		string(flow.MsgTypeNumber):     "Escriba su número de empleado",
		string(flow.MsgTurnLeft):       "Gire la cabeza a su izquierda",
		string(flow.MsgTurnRight):      "Gire la cabeza a su derecha",
		string(flow.MsgCloser):         "Acérquese a la cámara",
		string(flow.MsgMoveHead):       "Gire un poco la cabeza",
		string(flow.MsgHoldStill):      "No se mueva",
		string(flow.MsgIdentifying):    "No se mueva, comprobando quién es",
		string(flow.MsgConfirmPIN):     "Confirme con su PIN",
		string(flow.MsgNotRecognised):  "No le reconocemos - use su PIN",
		string(flow.MsgLivenessFailed): "No se pudo comprobar su cara - use su PIN",
		string(flow.MsgUsePIN):         "Escriba su número y su PIN",
		string(flow.MsgWrongPIN):       "Número o PIN incorrecto",
		string(flow.MsgLocked):         "La cuenta %s está bloqueada. Vuelva a intentarlo en %s o avise a RR. HH.",
		string(flow.MsgUndone):         "Fichaje anulado",
		string(flow.MsgAlready):        "Ya fichado",
		string(flow.MsgPunched):        "Hecho",
		string(flow.MsgError):          "Error, avise a RR. HH.",
		string(flow.MsgEngineError):    "Reconocimiento no disponible, use su PIN",
		string(flow.MsgChoose):         "Elija",
		string(clockface.PunchIn):      "Entrada registrada %s",
		string(clockface.PunchOut):     "Salida registrada %s",
		string(clockface.BreakStart):   "Descanso iniciado %s",
		string(clockface.BreakEnd):     "Descanso terminado %s",
		"kind-in":                      "Fichar entrada",
		"kind-out":                     "Fichar salida",
		"kind-break_start":             "Empezar descanso",
		"kind-break_end":               "Terminar descanso",
		"since-in":                     "Hola %s, trabajando desde las %s",
		"since-break_start":            "Hola %s, en descanso desde las %s",
		"since-out":                    "Hola %s, no ha fichado la entrada",
		"countdown":                    "%s en %d s",
		"not-me":                       "No soy yo",
		"retry":                        "Otra vez: ",
		"wrong-pin-left":               "PIN incorrecto - quedan %d intentos antes de un bloqueo de %d segundos",
		"wrong-pin-1":                  "PIN incorrecto - queda 1 intento antes de un bloqueo de %d segundos",
		"hi":                           "Hola %s",
		"walk-up":                      "Acérquese para fichar",
		"online":                       "● En línea · sincronizado %s",
		"online-never":                 "● En línea",
		"offline":                      "○ Sin conexión · %d fichajes pendientes",
		"offline-1":                    "○ Sin conexión · 1 fichaje pendiente",
		"offline-0":                    "○ Sin conexión · nada pendiente",
		"use-pin-button":               "Usar PIN",
		"number":                       "Número de empleado",
		"pin":                          "PIN",
		"ok":                           "Aceptar",
		"cancel":                       "Cancelar",
		"undo":                         "Deshacer",
		"letters":                      "ABC",
		"digits":                       "123",
		"other-lang":                   "English",
		"admin":                        "RR. HH.",
		"hr-pin":                       "PIN de RR. HH.",
		"hr-wrong":                     "PIN de RR. HH. incorrecto",
		"hr-locked":                    "El PIN de RR. HH. está bloqueado tras varios intentos fallidos. Vuelva a intentarlo en %s.",
		"idle-warning":                 "Cerrando sesión en %d s - toque un botón para seguir",
		"employees":                    "Empleados",
		"today":                        "Fichajes de hoy",
		"enrol":                        "Registrar cara",
		"lock":                         "Bloquear quiosco",
		"unlock":                       "Desbloquear quiosco",
		"close":                        "Cerrar",
		"locked-kiosk":                 "Fuera de servicio",
		"locked-why":                   "RR. HH. ha cerrado este quiosco.",
		"clock-elsewhere":              "Fiche en otro quiosco o en la oficina de RR. HH.",
		"camera-down":                  "Cámara no disponible: use su PIN",
		"name":                         "Nombre completo",
		"progress":                     "Muestra %d de %d",
		"decline":                      "No, gracias",
		"wiz-title":                    "Registrar a un empleado nuevo",
		"wiz-step":                     "Paso %d de %d · %s",
		"wiz-step-details":             "datos",
		"wiz-step-notice":              "aviso",
		"wiz-step-sign":                "firma",
		"wiz-step-capture":             "cámara",
		"wiz-step-result":              "resultado",
		"wiz-number-empty":             "Escriba el número de empleado",
		"wiz-number-used":              "Este número ya existe: escriba otro",
		"wiz-number-checking":          "Comprobando el número…",
		"wiz-name-empty":               "Escriba el nombre completo",
		"wiz-pin-short":                "El PIN necesita al menos 4 cifras",
		"wiz-pin-long":                 "El PIN tiene como máximo 8 cifras",
		"wiz-pin-digits":               "El PIN lleva solo cifras",
		"wiz-pin-mismatch":             "Los dos PIN no coinciden",
		"wiz-pin2":                     "Repita el PIN",
		"wiz-lang":                     "Idioma del aviso y de las pantallas",
		"wiz-next":                     "Siguiente",
		"wiz-back":                     "Atrás",
		"wiz-quit":                     "Cancelar",
		"wiz-scroll":                   "▼ Lea el aviso hasta el final para elegir",
		"wiz-read":                     "Ha leído el aviso. Su decisión:",
		"wiz-agree":                    "Estoy de acuerdo",
		"wiz-sign-title":               "Escriba su nombre completo para firmar",
		"wiz-sign-hint":                "Su nombre escrito es su firma del aviso que acaba de leer (%s). No se toma ninguna foto antes de firmar.",
		"wiz-sign-empty":               "Escriba su nombre completo",
		"wiz-sign-mismatch":            "Escriba su nombre como lo anotó RR. HH.: %s",
		"wiz-sign-button":              "Firmar y encender la cámara",
		"wiz-capture-title":            "Mire a la cámara, con la cara dentro del óvalo",
		"wiz-got-it":                   "✔ Tomada - ahora gire un poco la cabeza",
		"wiz-stop":                     "Parar",
		"coach-":                       "Mire de frente a la cámara",
		"coach-no_face":                "Ponga la cara dentro del óvalo",
		"coach-many_faces":             "Solo una persona delante de la cámara, por favor",
		"coach-too_small":              "Demasiado lejos: acérquese a la cámara",
		"coach-too_dark":               "Demasiado oscuro: mire hacia la luz",
		"coach-too_bright":             "Demasiada luz: apártese de la luz directa",
		"coach-blurry":                 "No se mueva",
		"coach-not_frontal":            "Mire de frente a la cámara",
		"coach-too_similar":            "Gire un poco la cabeza",
		"coach-other_person":           "Solo la persona que se registra, por favor",
		"wiz-enrolled-title":           "✔ Cara registrada",
		"wiz-enrolled":                 "%s (%s) ya puede fichar con la cara o con el PIN.",
		"wiz-stored":                   "Guardado en este quiosco, cifrado: una plantilla facial hecha con %d muestras, el consentimiento firmado por %s (aviso %s) y el PIN.",
		"wiz-images":                   "Se guardan %d fotos del registro, que se borran antes de 90 días.",
		"wiz-no-images":                "No se ha guardado ninguna foto.",
		"wiz-declined-title":           "✔ Rechazo registrado",
		"wiz-declined":                 "%s (%s) fichará con el PIN. No se ha tomado ninguna foto de la cara ni se guardan datos faciales.",
		"wiz-blocked-title":            "✖ Registro bloqueado",
		"wiz-blocked":                  "Esta cara ya está registrada como el empleado %s. No se ha guardado nada. RR. HH. debe revisar los datos (¿la misma persona con dos números?) antes de volver a registrarla.",
		"wiz-failed-title":             "✖ Registro no terminado",
		"wiz-failed":                   "No se ha guardado nada (ni empleado ni consentimiento). Motivo: %s. Vuelva a intentarlo, o cierre y registre más tarde.",
		"wiz-stopped":                  "se paró antes del final",
		"wiz-retry":                    "Otra vez",
		"wiz-done":                     "Hecho",
	},
}

// clock formats a time as 08:58 in loc.
func clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }

// countdown formats a remaining time as 0:27 (whole seconds, rounded up).
func countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// punchLine is "Clocked in 08:58".
func punchLine(txt map[string]string, p clockface.Punch, loc *time.Location) string {
	return fmt.Sprintf(txt[string(p.Kind)], clock(p.Time(), loc))
}

// dates in each language, for the attract screen ("Monday 23 November").
var (
	weekdays = map[Lang][7]string{
		English: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		Spanish: {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
	}
	months = map[Lang][12]string{
		English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		Spanish: {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	}
)

func dateLine(l Lang, t time.Time) string {
	if l == Spanish {
		return fmt.Sprintf("%s %d de %s", weekdays[l][t.Weekday()], t.Day(), months[l][t.Month()-1])
	}
	return fmt.Sprintf("%s %d %s", weekdays[English][t.Weekday()], t.Day(), months[English][t.Month()-1])
}
