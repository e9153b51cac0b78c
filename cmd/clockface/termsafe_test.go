package main

import (
	"strings"
	"testing"
)

// Issue 15 item 13: a name carrying terminal escapes or a bidi override
// is printed escaped by employee add, list and show.
func TestCLIEscapesNames(t *testing.T) {
	data := t.TempDir()
	name := "Ann\x1b[2J\u202enhoJ"
	r := runCLI(t, data, "\n", "employee", "add", "E1", "--name", name)
	if r.code != 0 {
		t.Fatalf("employee add: exit %d: %s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"employee", "list"}, {"employee", "show", "E1"}} {
		out := mustCLI(t, data, "", args...)
		if strings.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("%v printed a raw escape or bidi override: %q", args, out)
		}
		if !strings.Contains(out, `Ann\x1b[2J\u202enhoJ`) {
			t.Errorf("%v: got %q, want the name escaped as Ann\\x1b[2J\\u202enhoJ", args, out)
		}
	}
	if strings.ContainsAny(r.stdout, "\x1b\u202e") {
		t.Errorf("employee add printed a raw escape: %q", r.stdout)
	}
}
