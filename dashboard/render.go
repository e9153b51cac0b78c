package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

type pageTemplate = template.Template

// pageNames are the templates/*.html pages; each is parsed with layout.html.
var pageNames = []string{"login", "error", "home", "users", "account", "sites", "whosin", "timesheet",
	"exceptions", "export", "employees", "kiosks", "audit", "mytime", "punches", "exportpreview"}

var funcs = template.FuncMap{
	"hours": hours,
	"date":  func(t time.Time) string { return t.Format("2006-01-02") },
	"addh":  func(a, b, c time.Duration) time.Duration { return a + b + c },
	"local": func(t time.Time) string { return t.Format("2006-01-02T15:04") },
	"get": func(v map[string][]string, k string) string {
		if len(v[k]) == 0 {
			return ""
		}
		return v[k][0]
	},
	"day":   func(t time.Time) string { return t.Format("Mon 02") },
	"clock": func(t time.Time) string { return t.Format("2006-01-02 15:04") },
	"join":  func(s []string) string { return strings.Join(s, ", ") },
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
}

// hours writes a duration as h:mm, and zero as a dash.
func hours(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	m := int64(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%d:%02d", m/60, m%60)
}

func parsePages() (map[string]*pageTemplate, error) {
	pages := make(map[string]*pageTemplate, len(pageNames))
	for _, n := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard template %s: %w", n, err)
		}
		pages[n] = t
	}
	return pages, nil
}

// NavItem is one link of the navigation.
type NavItem struct {
	Key, Href string
	Active    bool
}

var navItems = []struct {
	key, href string
	action    Action
}{
	{"nav.home", "/", ActHome},
	{"nav.whosin", "/whos-in", ActViewWhosIn},
	{"nav.timesheet", "/timesheet", ActViewTimesheet},
	{"nav.exceptions", "/exceptions", ActViewExceptions},
	{"nav.export", "/export", ActExport},
	{"nav.employees", "/employees", ActViewEmployees},
	{"nav.kiosks", "/kiosks", ActManageKiosks},
	{"nav.audit", "/audit", ActViewAudit},
	{"nav.users", "/users", ActManageUsers},
	{"nav.mytime", "/my-time", ActMyTime},
	{"nav.account", "/account", ActAccount},
}

// view is what every template gets.
type view struct {
	h      *Handler
	r      *http.Request
	Page   string
	Title  string
	User   *User
	Lang   string
	Nav    []NavItem
	Error  string
	Flash  string
	Status int
	Data   any
}

// T translates key into the page's language.
func (v *view) T(key string) string { return T(v.Lang, key) }

// Word is a code (a punch kind, an exception kind) as people read it in
// the page's language: the catalogue's prefix.code, or the code itself
// when the catalogue has no word for it.
func (v *view) Word(prefix, code string) string {
	key := prefix + "." + code
	if _, ok := messages[key]; !ok {
		return code
	}
	return T(v.Lang, key)
}

// Token is the form token for a POST to path.
func (v *view) Token(path string) string { return v.h.Token(v.r, path) }

// Can reports whether the signed-in user's role may take action (forms
// are shown only to those who may send them; the server checks again).
func (v *view) Can(action string) bool { return v.User != nil && Can(v.User.Role, Action(action)) }

// Langs lists the languages for a picker.
func (v *view) Langs() []string { return Languages }

// Roles lists the roles for a picker.
func (v *view) Roles() []Role { return Roles }

func (h *Handler) newView(r *http.Request, u *User, lang, page, title string) *view {
	v := &view{h: h, r: r, Page: page, Title: title, User: u, Lang: lang}
	if u != nil {
		for _, n := range navItems {
			if Can(u.Role, n.action) {
				active := n.href == r.URL.Path || (n.href != "/" && strings.HasPrefix(r.URL.Path, n.href+"/"))
				v.Nav = append(v.Nav, NavItem{Key: n.key, Href: n.href, Active: active})
			}
		}
	}
	return v
}

// render writes a page. Templates run into a buffer, so a template error
// becomes a 500 and never half a page.
func (h *Handler) render(w http.ResponseWriter, v *view) {
	var buf bytes.Buffer
	if err := h.pages[v.Page].Execute(&buf, v); err != nil {
		h.log.Error("dashboard render", "page", v.Page, "err", err)
		http.Error(w, "render error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if v.Status != 0 {
		w.WriteHeader(v.Status)
	}
	w.Write(buf.Bytes())
}

// page renders a page for a signed-in call.
func (c *call) page(page, titleKey string, data any, status int, errKey, flashKey string) {
	v := c.h.newView(c.r, c.user, c.lang, page, T(c.lang, titleKey))
	v.Data, v.Status = data, status
	if errKey != "" {
		v.Error = T(c.lang, errKey)
	}
	if flashKey != "" {
		v.Flash = T(c.lang, flashKey)
	}
	c.h.render(c.w, v)
}

// fail renders an error page for a request without a signed-in user.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	lang := pickLang(r.Header.Get("Accept-Language"))
	v := h.newView(r, nil, lang, "error", T(lang, key))
	v.Status, v.Error = status, T(lang, key)
	h.render(w, v)
}

func (h *Handler) failFor(c *call, status int, key string) {
	v := h.newView(c.r, c.user, c.lang, "error", T(c.lang, key))
	v.Status, v.Error = status, T(c.lang, key)
	h.render(c.w, v)
}
