package termsafe_test

import (
	"testing"
	"unicode/utf8"

	"clockface/internal/termsafe"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Ann Smith", "Ann Smith"},
		{"accents and scripts", "José Müller 山田 Ωmega", "José Müller 山田 Ωmega"},
		{"escape sequence", "Ann\x1b[2J\x1b]0;pwned\x07", `Ann\x1b[2J\x1b]0;pwned\x07`},
		{"newline and tab", "Ann\nE2 in\t08:00", `Ann\x0aE2 in\x0908:00`},
		{"carriage return", "Ann\rBob", `Ann\x0dBob`},
		{"nul and del", "A\x00B\x7f", `A\x00B\x7f`},
		{"C1 CSI", "A\u009b2J", `A\u009b2J`},
		{"right-to-left override", "\u202enhoJ", `\u202enhoJ`},
		{"every bidi embedding", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"bidi isolates", "\u2066x\u2067y\u2068z\u2069", `\u2066x\u2067y\u2068z\u2069`},
		{"marks", "a\u200eb\u200fc\u061cd", `a\u200eb\u200fc\u061cd`},
		{"invalid utf-8", "A\xffB", `A\xffB`},
		{"backslash cannot forge an escape", `A\x1b`, `A\\x1b`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := termsafe.String(tt.in); got != tt.want {
				t.Errorf("String(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzString: the output never holds a control, bidi control or invalid
// UTF-8, whatever the input.
func FuzzString(f *testing.F) {
	f.Add("Ann\x1b[31m\u202e")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		out := termsafe.String(s)
		if !utf8.ValidString(out) {
			t.Fatalf("String(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x061c || r == 0x200e || r == 0x200f ||
				r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("String(%q) = %q holds %U", s, out, r)
			}
		}
	})
}
