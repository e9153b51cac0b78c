package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"clockface"
	"clockface/dashboard"
	"clockface/dashboard/store"
)

func TestHubUserAdd(t *testing.T) {
	data := t.TempDir()
	db := filepath.Join(data, "hub.db")
	out := mustCLI(t, data, "a long owner password\n", "hub", "user", "add", "Owner@Example.com", "--role", "owner", "--db", db)
	if !strings.Contains(out, "added owner@example.com") {
		t.Fatalf("stdout %q", out)
	}
	mustCLI(t, data, "a long manager password\n", "hub", "user", "add", "m@example.com", "--role", "manager",
		"--site", "A", "--site", "B", "--department", "kitchen", "--lang", "es")
	bad := []struct {
		name, stdin, want string
		args              []string
	}{
		{"taken email", "a long owner password\n", "exists already", []string{"owner@example.com", "--role", "hr"}},
		{"unknown role", "a long owner password\n", "unknown role", []string{"x@example.com", "--role", "boss"}},
		{"manager without scope", "a long owner password\n", "at least one site", []string{"x@example.com", "--role", "manager"}},
		{"employee without number", "a long owner password\n", "employee number", []string{"x@example.com", "--role", "employee"}},
		{"bad email", "a long owner password\n", "not an email", []string{"nope", "--role", "hr"}},
		{"short password", "short\n", "too short", []string{"x@example.com", "--role", "hr"}},
		{"no password", "", "no password on stdin", []string{"x@example.com", "--role", "hr"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, data, tc.stdin, append([]string{"hub", "user", "add", "--db", db}, tc.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, tc.want)
			}
		})
	}
	st, err := store.Open(context.Background(), db, "", clockface.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	us, err := st.ListUsers(context.Background())
	if err != nil || len(us) != 2 {
		t.Fatalf("users %+v, %v; want the owner and the manager only", us, err)
	}
	m := us[0]
	if m.Email != "m@example.com" || m.Role != dashboard.RoleManager || strings.Join(m.Scope.Sites, ",") != "A,B" ||
		strings.Join(m.Scope.Departments, ",") != "kitchen" || m.Lang != "es" || !strings.HasPrefix(m.PasswordHash, "$argon2id$") {
		t.Fatalf("manager %+v", m)
	}
	if n, err := st.VerifyAudit(context.Background()); err != nil || n != 2 {
		t.Fatalf("audit: %d entries, %v; want 2 user.added", n, err)
	}
}
