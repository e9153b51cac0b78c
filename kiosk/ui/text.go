package ui

import (
	"fmt"
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

// texts returns the strings of a language (English for any other).
func texts(l Lang) map[string]string {
	if l == Spanish {
		return map[string]string{
			string(flow.MsgLook):           "Mire a la cámara",
			string(flow.MsgTypeNumber):     "Escriba su número de empleado",
			string(flow.MsgTurnLeft):       "Gire la cabeza a su izquierda",
			string(flow.MsgTurnRight):      "Gire la cabeza a su derecha",
			string(flow.MsgCloser):         "Acérquese a la cámara",
			string(flow.MsgMoveHead):       "Gire un poco la cabeza",
			string(flow.MsgHoldStill):      "No se mueva",
			string(flow.MsgConfirmPIN):     "Confirme con su PIN",
			string(flow.MsgNotRecognised):  "No le reconocemos, use su PIN",
			string(flow.MsgLivenessFailed): "No se pudo comprobar, inténtelo otra vez o use su PIN",
			string(flow.MsgUsePIN):         "Escriba su número y su PIN",
			string(flow.MsgWrongPIN):       "Número o PIN incorrecto",
			string(flow.MsgLocked):         "Bloqueado hasta las %s",
			string(flow.MsgUndone):         "Fichaje anulado",
			string(flow.MsgAlready):        "Ya fichado",
			string(flow.MsgError):          "Error, avise a RR. HH.",
			string(flow.MsgEngineError):    "Reconocimiento no disponible, use su PIN",
			string(clockface.PunchIn):      "Entrada registrada %s",
			string(clockface.PunchOut):     "Salida registrada %s",
			string(clockface.BreakStart):   "Descanso iniciado %s",
			string(clockface.BreakEnd):     "Descanso terminado %s",
			"use-pin-button":               "Usar PIN",
			"number":                       "Número de empleado",
			"pin":                          "PIN",
			"ok":                           "Aceptar",
			"cancel":                       "Cancelar",
			"undo":                         "Deshacer",
			"other-lang":                   "English",
			"admin":                        "RR. HH.",
			"hr-pin":                       "PIN de RR. HH.",
			"employees":                    "Empleados",
			"today":                        "Fichajes de hoy",
			"enrol":                        "Registrar cara",
			"lock":                         "Bloquear quiosco",
			"unlock":                       "Desbloquear quiosco",
			"close":                        "Cerrar",
			"locked-kiosk":                 "Fuera de servicio",
			"name":                         "Nombre completo",
			"signature":                    "Firma (nombre completo)",
			"start":                        "Empezar",
			"enrolled":                     "Cara registrada: %s",
			"progress":                     "Muestra %d de %d",
			"decline":                      "No acepto",
			"declined":                     "%s fichará solo con PIN",
		}
	}
	return map[string]string{
		string(flow.MsgLook):           "Look at the camera",
		string(flow.MsgTypeNumber):     "Type your employee number",
		string(flow.MsgTurnLeft):       "Turn your head to your left",
		string(flow.MsgTurnRight):      "Turn your head to your right",
		string(flow.MsgCloser):         "Come closer to the camera",
		string(flow.MsgMoveHead):       "Turn your head a little",
		string(flow.MsgHoldStill):      "Hold still",
		string(flow.MsgConfirmPIN):     "Please confirm with your PIN",
		string(flow.MsgNotRecognised):  "Not recognised, use your PIN",
		string(flow.MsgLivenessFailed): "Could not check, try again or use your PIN",
		string(flow.MsgUsePIN):         "Type your number and PIN",
		string(flow.MsgWrongPIN):       "Wrong number or PIN",
		string(flow.MsgLocked):         "Locked until %s",
		string(flow.MsgUndone):         "Punch undone",
		string(flow.MsgAlready):        "Already clocked",
		string(flow.MsgError):          "Error, please tell HR",
		string(flow.MsgEngineError):    "Face check unavailable, use your PIN",
		string(clockface.PunchIn):      "Clocked in %s",
		string(clockface.PunchOut):     "Clocked out %s",
		string(clockface.BreakStart):   "Break started %s",
		string(clockface.BreakEnd):     "Break ended %s",
		"use-pin-button":               "Use PIN",
		"number":                       "Employee number",
		"pin":                          "PIN",
		"ok":                           "OK",
		"cancel":                       "Cancel",
		"undo":                         "Undo",
		"other-lang":                   "Español",
		"admin":                        "HR",
		"hr-pin":                       "HR PIN",
		"employees":                    "Employees",
		"today":                        "Today's punches",
		"enrol":                        "Enrol a face",
		"lock":                         "Lock kiosk",
		"unlock":                       "Unlock kiosk",
		"close":                        "Close",
		"locked-kiosk":                 "Out of service",
		"name":                         "Full name",
		"signature":                    "Signature (full name)",
		"start":                        "Start",
		"enrolled":                     "Face enrolled: %s",
		"progress":                     "Sample %d of %d",
		"decline":                      "I decline",
		"declined":                     "%s will punch by PIN only",
	}
}

// clock formats a time as 08:58 in loc.
func clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }

// punchLine is "Clocked in 08:58".
func punchLine(txt map[string]string, p clockface.Punch, loc *time.Location) string {
	return fmt.Sprintf(txt[string(p.Kind)], clock(p.Time(), loc))
}
