package payroll

import (
	"strings"
	"unicode"
)

// Cell safety. A spreadsheet runs a cell as a formula when it starts with
// = + - @ (or their full-width forms, which some locales fold), and a
// leading TAB, CR or LF hides that start from a naive check. Semicolon
// locales split cells at ";", and tab imports at TAB. Every text cell in
// every format goes through cleanText and then the format's quoting, so:
//   - control characters (TAB, CR, LF and the rest) become spaces, and
//     bidirectional overrides are dropped (they make a name read
//     differently from what it holds);
//   - the result is trimmed, and if it then starts with a formula
//     character it gets a leading apostrophe (OWASP's advice for CSV
//     injection; spreadsheets show the text, payroll systems ignore it);
//   - CSV cells holding , ; " or a space at either end are quoted.
//
// Numbers (hours, dates, codes) are produced by this package and never
// start with a formula character.

// formulaStart holds the characters that make a cell a formula.
const formulaStart = "=+-@\uFF1D\uFF0B\uFF0D\uFF20"

// isBidi reports the Unicode bidirectional controls (embeddings,
// overrides, isolates and marks).
func isBidi(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
		r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}

// cleanText is a name or other free text made safe for any cell.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case isBidi(r):
			return -1
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if IsFormula(s) {
		s = "'" + s
	}
	return s
}

// IsFormula reports whether a spreadsheet could read cell as a formula:
// it starts, after trimming spaces and control characters, with one of
// = + - @ or their full-width forms.
func IsFormula(cell string) bool {
	t := strings.TrimLeftFunc(cell, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	return t != "" && strings.ContainsRune(formulaStart, []rune(t)[0])
}

// SafeCell is cleanText for callers outside the package (the CLI's text
// summary uses it too).
func SafeCell(s string) string { return cleanText(s) }

// csvNeedsQuotes: the RFC 4180 cases plus ; and TAB (which encoding/csv
// leaves bare).
func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if strings.ContainsAny(s, ",;\"\t\r\n") {
		return true
	}
	return s[0] == ' ' || s[len(s)-1] == ' '
}

// csvFile writes rows as CSV with CRLF line ends (what every payroll
// importer accepts). Cells must already be cleaned or be numbers.
func csvFile(rows [][]string) []byte {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if csvNeedsQuotes(c) {
				b.WriteByte('"')
				b.WriteString(strings.ReplaceAll(c, `"`, `""`))
				b.WriteByte('"')
			} else {
				b.WriteString(c)
			}
		}
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}
