package payroll

import (
	"encoding/json"
	"time"
)

type jsonLine struct {
	Employee   string `json:"employee"`
	Name       string `json:"name"`
	Regular    string `json:"regular_hours"`
	Overtime   string `json:"overtime_hours"`
	Double     string `json:"double_hours"`
	Total      string `json:"total_hours"`
	Exceptions int    `json:"exceptions"`
}

func (l Line) json() jsonLine {
	return jsonLine{Employee: l.Number, Name: l.Name, Regular: Hours(l.Regular), Overtime: Hours(l.Overtime),
		Double: Hours(l.Double), Total: Hours(l.Total()), Exceptions: l.Exceptions}
}

// MarshalJSON writes hours as the file's decimal strings ("12.67").
func (l Line) MarshalJSON() ([]byte, error) { return json.Marshal(l.json()) }

// MarshalJSON writes the period as dates (To inclusive, as the CLI takes
// it) and the lines as Line does.
func (s Summary) MarshalJSON() ([]byte, error) {
	v := struct {
		Format     Format      `json:"format"`
		From       string      `json:"from"`
		To         string      `json:"to"`
		Employees  []Line      `json:"employees"`
		Totals     jsonLine    `json:"totals"`
		Exceptions []Exception `json:"exceptions"`
		LeftOut    []LeftOut   `json:"left_out"`
	}{s.Format, s.From.Format(time.DateOnly), lastDay(s.To).Format(time.DateOnly), s.Lines, s.Totals.json(),
		s.Exceptions, s.LeftOut}
	if v.Employees == nil {
		v.Employees = []Line{}
	}
	if v.Exceptions == nil {
		v.Exceptions = []Exception{}
	}
	if v.LeftOut == nil {
		v.LeftOut = []LeftOut{}
	}
	v.Totals.Employee, v.Totals.Name = "", "TOTAL"
	return json.Marshal(v)
}

// MarshalJSON is what `clockface export --json` prints.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Format  Format  `json:"format"`
		File    string  `json:"file"`
		SHA256  string  `json:"sha256"`
		Bytes   int     `json:"bytes"`
		Summary Summary `json:"summary"`
	}{r.Format, r.File, r.SHA256, r.Bytes, r.Summary})
}
