package dashboard

import "strings"

// Languages are the dashboard's languages, the first the default.
var Languages = []string{"en", "es"}

// messages is the one message catalogue: key -> language -> text. A test
// checks that every key has every language.
var messages = map[string]map[string]string{
	"app.name":                {"en": "clockface", "es": "clockface"},
	"lang.en":                 {"en": "English", "es": "English"},
	"lang.es":                 {"en": "Español", "es": "Español"},
	"nav.home":                {"en": "Home", "es": "Inicio"},
	"nav.whosin":              {"en": "Who's in", "es": "Quién está"},
	"nav.timesheet":           {"en": "Timesheet", "es": "Hoja de horas"},
	"nav.exceptions":          {"en": "Exceptions", "es": "Incidencias"},
	"nav.export":              {"en": "Payroll export", "es": "Exportar nómina"},
	"nav.employees":           {"en": "Employees", "es": "Empleados"},
	"nav.kiosks":              {"en": "Kiosks", "es": "Quioscos"},
	"nav.audit":               {"en": "Audit", "es": "Auditoría"},
	"nav.users":               {"en": "Users", "es": "Usuarios"},
	"nav.mytime":              {"en": "My time", "es": "Mi tiempo"},
	"nav.account":             {"en": "My account", "es": "Mi cuenta"},
	"nav.signout":             {"en": "Sign out", "es": "Cerrar sesión"},
	"nav.menu":                {"en": "Menu", "es": "Menú"},
	"login.title":             {"en": "Sign in", "es": "Iniciar sesión"},
	"login.email":             {"en": "Email", "es": "Correo electrónico"},
	"login.password":          {"en": "Password", "es": "Contraseña"},
	"login.submit":            {"en": "Sign in", "es": "Entrar"},
	"login.failed":            {"en": "Wrong email or password.", "es": "Correo o contraseña incorrectos."},
	"login.locked":            {"en": "Too many failed attempts. Try again in a few minutes.", "es": "Demasiados intentos fallidos. Vuelva a intentarlo en unos minutos."},
	"login.expired":           {"en": "Your session ended. Please sign in again.", "es": "Su sesión terminó. Vuelva a iniciar sesión."},
	"home.title":              {"en": "Home", "es": "Inicio"},
	"home.hello":              {"en": "Signed in as", "es": "Sesión iniciada como"},
	"home.role":               {"en": "Role", "es": "Rol"},
	"home.scope":              {"en": "Scope", "es": "Ámbito"},
	"role.owner":              {"en": "Owner", "es": "Propietario"},
	"role.hr":                 {"en": "HR", "es": "RR. HH."},
	"role.payroll":            {"en": "Payroll", "es": "Nómina"},
	"role.manager":            {"en": "Manager", "es": "Responsable"},
	"role.employee":           {"en": "Employee", "es": "Empleado"},
	"users.title":             {"en": "Users", "es": "Usuarios"},
	"users.add":               {"en": "Add a user", "es": "Añadir un usuario"},
	"users.email":             {"en": "Email", "es": "Correo electrónico"},
	"users.role":              {"en": "Role", "es": "Rol"},
	"users.sites":             {"en": "Sites (comma-separated, managers)", "es": "Sedes (separadas por comas, responsables)"},
	"users.departments":       {"en": "Departments (comma-separated, managers)", "es": "Departamentos (separados por comas, responsables)"},
	"users.employee":          {"en": "Employee number (employees)", "es": "Número de empleado (empleados)"},
	"users.password":          {"en": "Initial password (at least 12 characters; give it to the person)", "es": "Contraseña inicial (mínimo 12 caracteres; entréguela a la persona)"},
	"users.lang":              {"en": "Language", "es": "Idioma"},
	"users.submit":            {"en": "Add user", "es": "Añadir usuario"},
	"users.save":              {"en": "Save role", "es": "Guardar rol"},
	"users.added":             {"en": "User added.", "es": "Usuario añadido."},
	"users.saved":             {"en": "Role saved.", "es": "Rol guardado."},
	"users.list":              {"en": "All users", "es": "Todos los usuarios"},
	"users.scope":             {"en": "Scope", "es": "Ámbito"},
	"account.title":           {"en": "My account", "es": "Mi cuenta"},
	"account.lang":            {"en": "Language", "es": "Idioma"},
	"account.lang.save":       {"en": "Save language", "es": "Guardar idioma"},
	"account.lang.saved":      {"en": "Language saved.", "es": "Idioma guardado."},
	"account.pw":              {"en": "Change password", "es": "Cambiar contraseña"},
	"account.pw.current":      {"en": "Current password", "es": "Contraseña actual"},
	"account.pw.new":          {"en": "New password (at least 12 characters)", "es": "Contraseña nueva (mínimo 12 caracteres)"},
	"account.pw.save":         {"en": "Change password", "es": "Cambiar contraseña"},
	"account.pw.saved":        {"en": "Password changed. Your other sessions were signed out.", "es": "Contraseña cambiada. Se cerraron sus otras sesiones."},
	"account.pw.wrong":        {"en": "The current password is wrong.", "es": "La contraseña actual no es correcta."},
	"account.everywhere":      {"en": "Sign out everywhere", "es": "Cerrar sesión en todas partes"},
	"account.everywhere.h":    {"en": "Ends every session of this account, on every device, including this one.", "es": "Termina todas las sesiones de esta cuenta, en todos los dispositivos, también esta."},
	"error.forbidden":         {"en": "You may not open this page.", "es": "No puede abrir esta página."},
	"error.notfound":          {"en": "Page not found.", "es": "Página no encontrada."},
	"error.csrf":              {"en": "This form expired or came from another site. Go back, reload the page and try again.", "es": "Este formulario caducó o vino de otro sitio. Vuelva, recargue la página e inténtelo de nuevo."},
	"error.internal":          {"en": "Something went wrong on the hub. Nothing was changed.", "es": "Algo falló en el servidor. No se cambió nada."},
	"data.unconnected":        {"en": "This screen is not connected to the hub's records yet.", "es": "Esta pantalla aún no está conectada a los registros del servidor."},
	"data.none":               {"en": "Nothing to show.", "es": "Nada que mostrar."},
	"data.site":               {"en": "Site", "es": "Sede"},
	"data.pick_site":          {"en": "Choose a site", "es": "Elija una sede"},
	"data.employee":           {"en": "Employee", "es": "Empleado"},
	"data.name":               {"en": "Name", "es": "Nombre"},
	"data.department":         {"en": "Department", "es": "Departamento"},
	"data.state":              {"en": "State", "es": "Estado"},
	"data.since":              {"en": "Since", "es": "Desde"},
	"data.kiosk":              {"en": "Kiosk", "es": "Quiosco"},
	"data.total":              {"en": "Total", "es": "Total"},
	"data.period":             {"en": "Period", "es": "Periodo"},
	"data.day":                {"en": "Day", "es": "Día"},
	"data.kind":               {"en": "Kind", "es": "Tipo"},
	"data.reason":             {"en": "Reason", "es": "Motivo"},
	"data.status":             {"en": "Status", "es": "Estado"},
	"data.pin_only":           {"en": "PIN only", "es": "Solo PIN"},
	"data.formats":            {"en": "Formats", "es": "Formatos"},
	"data.history":            {"en": "Export history", "es": "Historial de exportaciones"},
	"data.by":                 {"en": "By", "es": "Por"},
	"data.at":                 {"en": "When", "es": "Cuándo"},
	"data.format":             {"en": "Format", "es": "Formato"},
	"data.last_seen":          {"en": "Last sync", "es": "Última sincronización"},
	"data.skew":               {"en": "Clock skew", "es": "Desfase del reloj"},
	"data.version":            {"en": "Version", "es": "Versión"},
	"data.audit_head":         {"en": "Audit head", "es": "Cabeza de auditoría"},
	"data.flags":              {"en": "Flags", "es": "Alertas"},
	"data.locked":             {"en": "This period is locked.", "es": "Este periodo está cerrado."},
	"state.in":                {"en": "In", "es": "Dentro"},
	"state.break":             {"en": "On break", "es": "En descanso"},
	"state.out":               {"en": "Out", "es": "Fuera"},
	"audit.title":             {"en": "Audit", "es": "Auditoría"},
	"audit.verify":            {"en": "Verify the chain", "es": "Verificar la cadena"},
	"audit.ok":                {"en": "The chain verifies: entries checked:", "es": "La cadena es correcta; entradas comprobadas:"},
	"audit.broken":            {"en": "The chain does NOT verify:", "es": "La cadena NO es correcta:"},
	"audit.actor":             {"en": "Who", "es": "Quién"},
	"audit.action":            {"en": "What", "es": "Qué"},
	"audit.subject":           {"en": "Record", "es": "Registro"},
	"audit.before":            {"en": "Before", "es": "Antes"},
	"audit.after":             {"en": "After", "es": "Después"},
	"mytime.held":             {"en": "What my employer holds about me", "es": "Lo que mi empleador guarda sobre mí"},
	"mytime.noface":           {"en": "Your face data never leaves the kiosks: the hub holds no photo and no face template of you that it can read (if your employer turned on template sharing, the hub passes sealed copies between kiosks that only kiosks can open; the download lists them without their contents). To see what a kiosk holds, ask HR to run clockface dsar export NUMBER at the kiosk.", "es": "Sus datos faciales nunca salen de los quioscos: el servidor no guarda ninguna foto ni plantilla facial suya que pueda leer (si su empleador activó el intercambio de plantillas, el servidor pasa copias selladas entre quioscos que solo ellos pueden abrir; la descarga las lista sin su contenido). Para ver lo que guarda un quiosco, pida a RR. HH. que ejecute clockface dsar export NÚMERO en el quiosco."},
	"mytime.corrected":        {"en": "corrected", "es": "corregido"},
	"error.baddate":           {"en": "The date must be YYYY-MM-DD.", "es": "La fecha debe ser AAAA-MM-DD."},
	"period.prev":             {"en": "Previous period", "es": "Periodo anterior"},
	"period.next":             {"en": "Next period", "es": "Periodo siguiente"},
	"period.lock":             {"en": "Lock this period", "es": "Cerrar este periodo"},
	"data.blocking":           {"en": "blocking", "es": "bloqueante"},
	"data.fix":                {"en": "Fix", "es": "Corregir"},
	"data.approved":           {"en": "approved", "es": "aprobado"},
	"employees.note":          {"en": "A termination or restriction made here reaches every kiosk at its next sync: a terminated employee's face data is deleted there, a restricted one punches by PIN or badge only. Termination is final.", "es": "Una baja o restricción hecha aquí llega a cada quiosco en su próxima sincronización: allí se borran los datos faciales de un empleado dado de baja, y uno restringido ficha solo con PIN o tarjeta. La baja es definitiva."},
	"hubstatus.terminate":     {"en": "Terminated", "es": "Dado de baja"},
	"hubstatus.restrict":      {"en": "Restricted to PIN", "es": "Restringido a PIN"},
	"hubstatus.unrestrict":    {"en": "Restriction lifted", "es": "Restricción quitada"},
	"employees.terminate":     {"en": "Terminate", "es": "Dar de baja"},
	"employees.restrict":      {"en": "Restrict to PIN", "es": "Restringir a PIN"},
	"employees.unrestrict":    {"en": "Lift restriction", "es": "Quitar restricción"},
	"employees.actions":       {"en": "Change…", "es": "Cambiar…"},
	"employees.hub":           {"en": "Hub change", "es": "Cambio en el servidor"},
	"employees.pending":       {"en": "pending on %d kiosks", "es": "pendiente en %d quioscos"},
	"employees.applied":       {"en": "applied on every kiosk, last %s", "es": "aplicado en todos los quioscos, último %s"},
	"employees.done":          {"en": "Saved. Every kiosk applies it at its next sync.", "es": "Guardado. Cada quiosco lo aplica en su próxima sincronización."},
	"employees.final":         {"en": "This employee is terminated: termination is final. Nothing was changed.", "es": "Este empleado está dado de baja: la baja es definitiva. No se cambió nada."},
	"punches.title":           {"en": "Punches of", "es": "Fichajes de"},
	"punches.done":            {"en": "Saved.", "es": "Guardado."},
	"punches.at":              {"en": "Time", "es": "Hora"},
	"punches.method":          {"en": "Method", "es": "Método"},
	"punches.changed":         {"en": "Changed", "es": "Cambiado"},
	"punches.voided":          {"en": "voided", "es": "anulado"},
	"punches.correct":         {"en": "Correct", "es": "Corregir"},
	"punches.void":            {"en": "Void", "es": "Anular"},
	"punches.add":             {"en": "Add a punch", "es": "Añadir un fichaje"},
	"punches.approve":         {"en": "Approve this employee's period", "es": "Aprobar el periodo de este empleado"},
	"punches.reason":          {"en": "Reason (required)", "es": "Motivo (obligatorio)"},
	"punches.reason_required": {"en": "A reason is required for every change. Nothing was changed.", "es": "Cada cambio necesita un motivo. No se cambió nada."},
	"punches.reason_long":     {"en": "The reason is too long (at most 500 characters). Nothing was changed.", "es": "El motivo es demasiado largo (máximo 500 caracteres). No se cambió nada."},
	"punches.bad_kind":        {"en": "Choose the punch's kind: in, out, break start or break end. Nothing was changed.", "es": "Elija el tipo de fichaje: entrada, salida, inicio o fin de descanso. No se cambió nada."},
	"punches.bad_time":        {"en": "The time must be a date and time (YYYY-MM-DDTHH:MM). Nothing was changed.", "es": "La hora debe ser fecha y hora (AAAA-MM-DDTHH:MM). No se cambió nada."},
	"export.preview":          {"en": "Preview", "es": "Vista previa"},
	"export.run":              {"en": "Export and download", "es": "Exportar y descargar"},
	"export.period_day":       {"en": "A day of the period", "es": "Un día del periodo"},
	"export.blocking":         {"en": "Blocking exceptions: resolve them before exporting.", "es": "Excepciones bloqueantes: resuélvalas antes de exportar."},
	"export.download":         {"en": "Download", "es": "Descargar"},
	"data.regular":            {"en": "Regular", "es": "Normales"},
	"data.overtime":           {"en": "Overtime", "es": "Extra"},
	"data.double":             {"en": "Double", "es": "Dobles"},
	"mytime.download":         {"en": "Download everything the hub holds about me (JSON)", "es": "Descargar todo lo que el servidor guarda sobre mí (JSON)"},
}

// T returns the text for key in lang, falling back to English, then to the
// key itself (so a missing entry shows, and the catalogue test catches it).
func T(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if s, ok := m[lang]; ok {
		return s
	}
	return m["en"]
}

// pickLang returns a supported language for a saved preference or an
// Accept-Language header.
func pickLang(pref string) string {
	for _, part := range strings.Split(pref, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		for _, l := range Languages {
			if tag == l || strings.HasPrefix(tag, l+"-") {
				return l
			}
		}
	}
	return Languages[0]
}
