package dashboard

import "strings"

// Languages are the dashboard's languages, the first the default.
var Languages = []string{"en", "es"}

// messages is the one message catalogue: key -> language -> text. A test
// checks that every key has every language.
var messages = map[string]map[string]string{
	"app.name":             {"en": "clockface", "es": "clockface"},
	"lang.en":              {"en": "English", "es": "English"},
	"lang.es":              {"en": "Español", "es": "Español"},
	"nav.home":             {"en": "Home", "es": "Inicio"},
	"nav.whosin":           {"en": "Who's in", "es": "Quién está"},
	"nav.timesheet":        {"en": "Timesheet", "es": "Hoja de horas"},
	"nav.exceptions":       {"en": "Exceptions", "es": "Incidencias"},
	"nav.export":           {"en": "Payroll export", "es": "Exportar nómina"},
	"nav.employees":        {"en": "Employees", "es": "Empleados"},
	"nav.kiosks":           {"en": "Kiosks", "es": "Quioscos"},
	"nav.audit":            {"en": "Audit", "es": "Auditoría"},
	"nav.users":            {"en": "Users", "es": "Usuarios"},
	"nav.mytime":           {"en": "My time", "es": "Mi tiempo"},
	"nav.account":          {"en": "My account", "es": "Mi cuenta"},
	"nav.signout":          {"en": "Sign out", "es": "Cerrar sesión"},
	"nav.menu":             {"en": "Menu", "es": "Menú"},
	"login.title":          {"en": "Sign in", "es": "Iniciar sesión"},
	"login.email":          {"en": "Email", "es": "Correo electrónico"},
	"login.password":       {"en": "Password", "es": "Contraseña"},
	"login.submit":         {"en": "Sign in", "es": "Entrar"},
	"login.failed":         {"en": "Wrong email or password.", "es": "Correo o contraseña incorrectos."},
	"login.locked":         {"en": "Too many failed attempts. Try again in a few minutes.", "es": "Demasiados intentos fallidos. Vuelva a intentarlo en unos minutos."},
	"login.expired":        {"en": "Your session ended. Please sign in again.", "es": "Su sesión terminó. Vuelva a iniciar sesión."},
	"home.title":           {"en": "Home", "es": "Inicio"},
	"home.hello":           {"en": "Signed in as", "es": "Sesión iniciada como"},
	"home.role":            {"en": "Role", "es": "Rol"},
	"home.scope":           {"en": "Scope", "es": "Ámbito"},
	"role.owner":           {"en": "Owner", "es": "Propietario"},
	"role.hr":              {"en": "HR", "es": "RR. HH."},
	"role.payroll":         {"en": "Payroll", "es": "Nómina"},
	"role.manager":         {"en": "Manager", "es": "Responsable"},
	"role.employee":        {"en": "Employee", "es": "Empleado"},
	"users.title":          {"en": "Users", "es": "Usuarios"},
	"users.add":            {"en": "Add a user", "es": "Añadir un usuario"},
	"users.email":          {"en": "Email", "es": "Correo electrónico"},
	"users.role":           {"en": "Role", "es": "Rol"},
	"users.sites":          {"en": "Sites (comma-separated, managers)", "es": "Sedes (separadas por comas, responsables)"},
	"users.departments":    {"en": "Departments (comma-separated, managers)", "es": "Departamentos (separados por comas, responsables)"},
	"users.employee":       {"en": "Employee number (employees)", "es": "Número de empleado (empleados)"},
	"users.password":       {"en": "Initial password (at least 12 characters; give it to the person)", "es": "Contraseña inicial (mínimo 12 caracteres; entréguela a la persona)"},
	"users.lang":           {"en": "Language", "es": "Idioma"},
	"users.submit":         {"en": "Add user", "es": "Añadir usuario"},
	"users.save":           {"en": "Save role", "es": "Guardar rol"},
	"users.added":          {"en": "User added.", "es": "Usuario añadido."},
	"users.saved":          {"en": "Role saved.", "es": "Rol guardado."},
	"users.list":           {"en": "All users", "es": "Todos los usuarios"},
	"users.scope":          {"en": "Scope", "es": "Ámbito"},
	"account.title":        {"en": "My account", "es": "Mi cuenta"},
	"account.lang":         {"en": "Language", "es": "Idioma"},
	"account.lang.save":    {"en": "Save language", "es": "Guardar idioma"},
	"account.lang.saved":   {"en": "Language saved.", "es": "Idioma guardado."},
	"account.pw":           {"en": "Change password", "es": "Cambiar contraseña"},
	"account.pw.current":   {"en": "Current password", "es": "Contraseña actual"},
	"account.pw.new":       {"en": "New password (at least 12 characters)", "es": "Contraseña nueva (mínimo 12 caracteres)"},
	"account.pw.save":      {"en": "Change password", "es": "Cambiar contraseña"},
	"account.pw.saved":     {"en": "Password changed. Your other sessions were signed out.", "es": "Contraseña cambiada. Se cerraron sus otras sesiones."},
	"account.pw.wrong":     {"en": "The current password is wrong.", "es": "La contraseña actual no es correcta."},
	"account.everywhere":   {"en": "Sign out everywhere", "es": "Cerrar sesión en todas partes"},
	"account.everywhere.h": {"en": "Ends every session of this account, on every device, including this one.", "es": "Termina todas las sesiones de esta cuenta, en todos los dispositivos, también esta."},
	"error.forbidden":      {"en": "You may not open this page.", "es": "No puede abrir esta página."},
	"error.notfound":       {"en": "Page not found.", "es": "Página no encontrada."},
	"error.csrf":           {"en": "This form expired or came from another site. Go back, reload the page and try again.", "es": "Este formulario caducó o vino de otro sitio. Vuelva, recargue la página e inténtelo de nuevo."},
	"error.internal":       {"en": "Something went wrong on the hub. Nothing was changed.", "es": "Algo falló en el servidor. No se cambió nada."},
	"data.unconnected":     {"en": "This screen is not connected to the hub's records yet.", "es": "Esta pantalla aún no está conectada a los registros del servidor."},
	"data.none":            {"en": "Nothing to show.", "es": "Nada que mostrar."},
	"data.site":            {"en": "Site", "es": "Sede"},
	"data.pick_site":       {"en": "Choose a site", "es": "Elija una sede"},
	"data.employee":        {"en": "Employee", "es": "Empleado"},
	"data.name":            {"en": "Name", "es": "Nombre"},
	"data.department":      {"en": "Department", "es": "Departamento"},
	"data.state":           {"en": "State", "es": "Estado"},
	"data.since":           {"en": "Since", "es": "Desde"},
	"data.kiosk":           {"en": "Kiosk", "es": "Quiosco"},
	"data.total":           {"en": "Total", "es": "Total"},
	"data.period":          {"en": "Period", "es": "Periodo"},
	"data.day":             {"en": "Day", "es": "Día"},
	"data.kind":            {"en": "Kind", "es": "Tipo"},
	"data.reason":          {"en": "Reason", "es": "Motivo"},
	"data.status":          {"en": "Status", "es": "Estado"},
	"data.pin_only":        {"en": "PIN only", "es": "Solo PIN"},
	"data.formats":         {"en": "Formats", "es": "Formatos"},
	"data.history":         {"en": "Export history", "es": "Historial de exportaciones"},
	"data.by":              {"en": "By", "es": "Por"},
	"data.at":              {"en": "When", "es": "Cuándo"},
	"data.format":          {"en": "Format", "es": "Formato"},
	"data.last_seen":       {"en": "Last sync", "es": "Última sincronización"},
	"data.skew":            {"en": "Clock skew", "es": "Desfase del reloj"},
	"data.version":         {"en": "Version", "es": "Versión"},
	"data.audit_head":      {"en": "Audit head", "es": "Cabeza de auditoría"},
	"data.flags":           {"en": "Flags", "es": "Alertas"},
	"data.locked":          {"en": "This period is locked.", "es": "Este periodo está cerrado."},
	"state.in":             {"en": "In", "es": "Dentro"},
	"state.break":          {"en": "On break", "es": "En descanso"},
	"state.out":            {"en": "Out", "es": "Fuera"},
	"audit.title":          {"en": "Audit", "es": "Auditoría"},
	"audit.verify":         {"en": "Verify the chain", "es": "Verificar la cadena"},
	"audit.ok":             {"en": "The chain verifies: entries checked:", "es": "La cadena es correcta; entradas comprobadas:"},
	"audit.broken":         {"en": "The chain does NOT verify:", "es": "La cadena NO es correcta:"},
	"audit.actor":          {"en": "Who", "es": "Quién"},
	"audit.action":         {"en": "What", "es": "Qué"},
	"audit.subject":        {"en": "Record", "es": "Registro"},
	"audit.before":         {"en": "Before", "es": "Antes"},
	"audit.after":          {"en": "After", "es": "Después"},
	"mytime.held":          {"en": "What my employer holds about me", "es": "Lo que mi empleador guarda sobre mí"},
	"mytime.noface":        {"en": "Your face data never leaves the kiosks: the hub holds no photo or face template of you. Ask HR for a kiosk export (clockface dsar export) to see what a kiosk holds.", "es": "Sus datos faciales nunca salen de los quioscos: el servidor no guarda ninguna foto ni plantilla facial suya. Pida a RR. HH. una exportación del quiosco (clockface dsar export) para ver lo que guarda un quiosco."},
	"mytime.corrected":     {"en": "corrected", "es": "corregido"},
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
