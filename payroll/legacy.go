package payroll

import (
	"fmt"
	"strings"

	"clockface"
	"clockface/attendance"
	"clockface/internal/atomicfile"
)

// This file keeps the old entry points that cmd/clockface's export command
// calls until it moves to Config and Export. Delete it then.

// Options is the old per-export settings.
//
// Deprecated: use Config.
type Options struct {
	Format         Format
	Company        string
	BatchID        string
	DoubleTimeCode string
}

// Summarise builds the summary of sheet with names as the directory; the
// employee number doubles as every provider id.
//
// Deprecated: use Build or Export with a real directory.
func Summarise(sheet attendance.Sheet, names map[string]string) Summary {
	dir := map[string]clockface.Employee{}
	for _, e := range sheet.Employees {
		n := strings.TrimSpace(names[e.Number])
		first, last, _ := strings.Cut(n, " ")
		dir[e.Number] = clockface.Employee{Number: e.Number, Name: n, FirstName: first, LastName: last,
			Payroll: clockface.PayrollIDs{ADPFileNumber: e.Number, PaychexWorkerID: e.Number, QuickBooksName: n}}
	}
	in := Input{Sheet: sheet, Directory: dir, ExportID: sheet.From.String() + sheet.To.String()}
	s := summarise(in, "")
	s.legacy = &in
	return s
}

func (o Options) config() Config {
	c := DefaultConfig()
	c.Format = o.Format
	c.ADP.CompanyCode, c.ADP.BatchID = o.Company, o.BatchID
	c.ADP.Earnings[EarnDouble] = "DT"
	if o.DoubleTimeCode != "" {
		c.ADP.Earnings[EarnDouble] = o.DoubleTimeCode
	}
	c.Paychex.ClientID = o.Company
	c.QuickBooks.Company = o.Company
	return c
}

// Render renders a Summarise summary.
//
// Deprecated: use Build.
func Render(s Summary, o Options) ([]byte, error) {
	if s.legacy == nil {
		return nil, fmt.Errorf("payroll: Render needs a summary from Summarise")
	}
	f, err := Build(*s.legacy, o.config())
	return f.Data, err
}

// Write renders s and writes it to path.
//
// Deprecated: use Export.
func Write(path string, s Summary, o Options) error {
	data, err := Render(s, o)
	if err != nil {
		return err
	}
	return atomicfile.WriteRegular(path, data, 0o640)
}

// FileName is Config.FileName for Options.
//
// Deprecated: use Config.FileName.
func FileName(o Options) string { return o.config().FileName() }
