// Package termsafe makes text from outside (employee names, ids, kiosk
// ids) safe to print on a terminal: control characters could move the
// cursor, rewrite earlier lines or retitle the window, and bidi controls
// could show "Ann" for a name stored reversed. They are printed as Go
// escapes instead (\x1b, \u202e), so they are visible, and the rest of the
// text is unchanged.
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s with every C0 and C1 control (U+0000–U+001F,
// U+007F–U+009F, tab and newline included), every bidi control (U+061C,
// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and every invalid UTF-8
// byte escaped, and a backslash doubled so an escape cannot be forged.
func String(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no escaping (the common case: no copy).
func clean(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\\' || r < 0x20 || r == 0x7f || unsafe(r) {
			return false
		}
		i += size
	}
	return true
}

// unsafe reports the C1 controls and the bidi controls.
func unsafe(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
