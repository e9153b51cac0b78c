package dashboard

import (
	"errors"
	"net/http"
	"net/mail"
	"slices"
	"strings"
)

func (h *Handler) userRoutes(mux *http.ServeMux) {
	h.handle(mux, Route{Method: "GET", Pattern: "/users", Action: ActManageUsers}, h.users)
	h.handle(mux, Route{Method: "POST", Pattern: "/users", Action: ActManageUsers}, h.addUser)
	h.handle(mux, Route{Method: "POST", Pattern: "/users/{id}/role", Action: ActManageUsers}, h.setRole)
}

// userForm is the add-user form, kept as typed when it is refused.
type userForm struct {
	Email, Role, Sites, Departments, Employee, Lang string
}

type usersData struct {
	Users []User
	Form  userForm
	// Problem is the reason a form was refused, in plain words.
	Problem string
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// ParseScope builds a scope from the form's (or the CLI's) lists.
func ParseScope(sites, departments []string, employee string) Scope {
	return Scope{Sites: sites, Departments: departments, Employee: strings.TrimSpace(employee)}
}

func (h *Handler) usersPage(c *call, form userForm, status int, problem, flash string) {
	us, err := h.store.ListUsers(c.ctx())
	if err != nil {
		c.internal(err)
		return
	}
	if form.Role == "" {
		form.Role, form.Lang = string(RoleEmployee), c.lang
	}
	v := h.newView(c.r, c.user, c.lang, "users", T(c.lang, "users.title"))
	v.Data, v.Status, v.Error = usersData{Users: us, Form: form, Problem: problem}, status, problem
	if flash != "" {
		v.Flash = T(c.lang, flash)
	}
	h.render(c.w, v)
}

func (h *Handler) users(c *call) {
	flash := ""
	switch q := c.r.URL.Query(); {
	case q.Get("added") != "":
		flash = "users.added"
	case q.Get("saved") != "":
		flash = "users.saved"
	}
	h.usersPage(c, userForm{}, 0, "", flash)
}

// CheckEmail normalises an email address or says what is wrong with it.
func CheckEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "", errors.New("not an email address: " + s)
	}
	return s, nil
}

func (h *Handler) addUser(c *call) {
	f := userForm{
		Email: c.r.PostFormValue("email"), Role: c.r.PostFormValue("role"),
		Sites: c.r.PostFormValue("sites"), Departments: c.r.PostFormValue("departments"),
		Employee: c.r.PostFormValue("employee"), Lang: c.r.PostFormValue("lang"),
	}
	email, err := CheckEmail(f.Email)
	if err != nil {
		h.usersPage(c, f, http.StatusBadRequest, err.Error(), "")
		return
	}
	role, err := ParseRole(f.Role)
	if err != nil {
		h.usersPage(c, f, http.StatusBadRequest, err.Error(), "")
		return
	}
	scope := ParseScope(splitList(f.Sites), splitList(f.Departments), f.Employee)
	if err := ValidateUser(role, scope); err != nil {
		h.usersPage(c, f, http.StatusBadRequest, err.Error(), "")
		return
	}
	if !slices.Contains(Languages, f.Lang) {
		f.Lang = Languages[0]
	}
	hash, err := HashPassword(c.r.PostFormValue("password"))
	if err != nil {
		h.usersPage(c, f, http.StatusBadRequest, err.Error(), "")
		return
	}
	_, err = h.store.AddUser(c.ctx(), User{Email: email, Role: role, Scope: scope, Lang: f.Lang, PasswordHash: hash},
		Audit{Actor: c.actor(), Action: AuditUserAdded, At: h.clock.Now()})
	if errors.Is(err, ErrDuplicateEmail) {
		h.usersPage(c, f, http.StatusConflict, ErrDuplicateEmail.Error(), "")
		return
	}
	if err != nil {
		c.internal(err)
		return
	}
	http.Redirect(c.w, c.r, "/users?added=1", http.StatusSeeOther)
}

// setRole changes a user's role and scope. An owner cannot demote
// themself, so the hub always keeps an owner who can sign in.
func (h *Handler) setRole(c *call) {
	id := c.r.PathValue("id")
	target, err := h.store.UserByID(c.ctx(), id)
	if errors.Is(err, ErrNotFound) {
		h.failFor(c, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		c.internal(err)
		return
	}
	role, err := ParseRole(c.r.PostFormValue("role"))
	if err != nil {
		h.usersPage(c, userForm{}, http.StatusBadRequest, err.Error(), "")
		return
	}
	scope := ParseScope(splitList(c.r.PostFormValue("sites")), splitList(c.r.PostFormValue("departments")), c.r.PostFormValue("employee"))
	if err := ValidateUser(role, scope); err != nil {
		h.usersPage(c, userForm{}, http.StatusBadRequest, target.Email+": "+err.Error(), "")
		return
	}
	if target.ID == c.user.ID && role != RoleOwner {
		h.usersPage(c, userForm{}, http.StatusBadRequest, "you cannot remove your own owner role", "")
		return
	}
	if _, err := h.store.SetRole(c.ctx(), id, role, scope, Audit{Actor: c.actor(), Action: AuditRoleChanged, At: h.clock.Now()}); err != nil {
		c.internal(err)
		return
	}
	http.Redirect(c.w, c.r, "/users?saved=1", http.StatusSeeOther)
}
