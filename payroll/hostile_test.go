package payroll_test

import (
	"strings"
	"testing"

	"clockface/payroll"
)

// TestHostileNamesEveryFormat: each hostile name, put in every name field
// (display name, first and last name, QuickBooks name), goes through every
// format; every cell of every file is checked (no formula start after
// trimming, no bidi control, separators quoted in CSV, no tab, line break
// or quote inside an IIF field), and the name is still there to read, in
// the neutralised form given.
func TestHostileNamesEveryFormat(t *testing.T) {
	cases := []struct{ name, hostile, want string }{
		{"formula", "=1+1", "'=1+1"},
		{"semicolon formula", "x;=1+1", "x;=1+1"},
		{"tab inside", "a\tb", "a b"},
		{"leading tab", "\t=1+1", "'=1+1"},
		{"leading CR", "\r=1", "'=1"},
		{"full-width equals", "＝1", "'＝1"},
		{"at function", "@SUM(A1)", "'@SUM(A1)"},
		{"minus", "-2+3", "'-2+3"},
		{"plus", "+1", "'+1"},
		{"newline inside", "a\nb", "a b"},
		{"bidi override", "Ann\u202Eexe.txt", "Annexe.txt"},
		{"DDE", `=cmd|' /C calc'!A0`, `'=cmd|' /C calc'!A0`},
		{"spaces then formula", "  +SUM(1)", "'+SUM(1)"},
	}
	for _, tc := range cases {
		for _, f := range payroll.Formats {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				in := fixtureInput()
				e := in.Directory["100002"]
				e.Name, e.FirstName, e.LastName = tc.hostile, tc.hostile, tc.hostile
				e.Payroll.QuickBooksName = tc.hostile
				in.Directory["100002"] = e
				c := fixtureConfig(f)
				file, err := payroll.Build(in, c)
				if err != nil {
					t.Fatal(err)
				}
				var all []string
				if f == payroll.IIF {
					lines := parseIIF(t, file.Data)
					checkIIFCells(t, lines)
					for _, l := range lines[3:] {
						if len(l) != 11 {
							t.Errorf("TIMEACT has %d fields, want 11: %q", len(l), l)
						}
					}
					for _, l := range lines {
						all = append(all, l...)
					}
				} else {
					rows := parseCSV(t, file.Data)
					checkCSVCells(t, rows)
					for _, r := range rows {
						if len(r) != len(rows[0]) {
							t.Errorf("row has %d cells, header %d: %q", len(r), len(rows[0]), texts(r))
						}
						all = append(all, texts(r)...)
					}
				}
				if f == payroll.ADP || f == payroll.Paychex {
					return // these files carry ids, not names
				}
				found := false
				for _, c := range all {
					found = found || c == tc.want
				}
				if !found {
					t.Errorf("no cell reads %q; cells: %q", tc.want, strings.Join(all, " | "))
				}
			})
		}
	}
}
