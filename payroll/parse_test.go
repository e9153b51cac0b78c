package payroll_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode"
)

// cell is one parsed field and whether the file quoted it.
type cell struct {
	text   string
	quoted bool
}

// parseCSV reads an RFC 4180 file with CRLF line ends, keeping track of
// quoting, and cross-checks the result with encoding/csv.
func parseCSV(t *testing.T, data []byte) [][]cell {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("file does not end with CRLF: %q", tail(s))
	}
	var rows [][]cell
	var row []cell
	for i := 0; i < len(s); {
		var c cell
		if s[i] == '"' {
			c.quoted = true
			i++
			var b strings.Builder
			for {
				if i >= len(s) {
					t.Fatalf("unterminated quote")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			c.text = b.String()
		} else {
			j := i
			for j < len(s) && s[j] != ',' && s[j] != '\r' && s[j] != '\n' {
				if s[j] == '"' {
					t.Fatalf("bare quote inside an unquoted field at byte %d", j)
				}
				j++
			}
			c.text = s[i:j]
			i = j
		}
		row = append(row, c)
		switch {
		case i < len(s) && s[i] == ',':
			i++
		case strings.HasPrefix(s[i:], "\r\n"):
			rows = append(rows, row)
			row = nil
			i += 2
		default:
			t.Fatalf("field not followed by , or CRLF at byte %d", i)
		}
	}
	std, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read the file: %v", err)
	}
	if len(std) != len(rows) {
		t.Fatalf("encoding/csv reads %d rows, the strict parser %d", len(std), len(rows))
	}
	return rows
}

func texts(r []cell) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = c.text
	}
	return out
}

func tail(s string) string {
	if len(s) > 20 {
		return s[len(s)-20:]
	}
	return s
}

// parseIIF splits an IIF file into lines (CRLF) and tab fields.
func parseIIF(t *testing.T, data []byte) [][]string {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("IIF does not end with CRLF")
	}
	var out [][]string
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("stray line break inside %q", line)
		}
		out = append(out, strings.Split(line, "\t"))
	}
	return out
}

// formulaCell is the test's own statement of the rule: after trimming
// spaces and control characters a cell starts with = + - @ or a
// full-width form of them.
func formulaCell(s string) bool {
	t := strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	return t != "" && strings.ContainsRune("=+-@＝＋－＠", []rune(t)[0])
}

func hasBidi(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
	})
}

// checkCSVCells: no formula cell, no bidi control, and a cell holding
// , ; TAB CR LF or " is quoted.
func checkCSVCells(t *testing.T, rows [][]cell) {
	t.Helper()
	for i, r := range rows {
		for j, c := range r {
			if formulaCell(c.text) {
				t.Errorf("row %d col %d: %q would run as a formula", i, j, c.text)
			}
			if hasBidi(c.text) {
				t.Errorf("row %d col %d: %q carries a bidi control", i, j, c.text)
			}
			if strings.ContainsAny(c.text, ",;\t\r\n\"") && !c.quoted {
				t.Errorf("row %d col %d: %q holds a separator but is not quoted", i, j, c.text)
			}
		}
	}
}

// checkIIFCells: no formula field, no bidi, no control character or
// double quote in any field.
func checkIIFCells(t *testing.T, lines [][]string) {
	t.Helper()
	for i, l := range lines {
		for j, f := range l {
			if formulaCell(f) {
				t.Errorf("line %d field %d: %q would run as a formula", i, j, f)
			}
			if hasBidi(f) || strings.ContainsFunc(f, unicode.IsControl) || strings.Contains(f, `"`) {
				t.Errorf("line %d field %d: %q carries a control character, bidi control or quote", i, j, f)
			}
		}
	}
}
