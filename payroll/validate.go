package payroll

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is one thing that stops an export: a company value, a mapping
// or one employee's id. Employee is "" for company values.
type Problem struct {
	Employee string `json:"employee,omitempty"`
	Field    string `json:"field"`
	Value    string `json:"value"`
	Reason   string `json:"reason"`
}

func (p Problem) String() string {
	who := "company"
	if p.Employee != "" {
		who = "employee " + cleanText(p.Employee)
	}
	return fmt.Sprintf("%s: %s %q: %s", who, p.Field, cleanText(p.Value), p.Reason)
}

// ValidationError lists every problem found; no file was written.
type ValidationError struct {
	Format   Format
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s), no file written:", e.Format, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Provider rules, from the providers' import specifications.
var (
	// ADP Workforce Now: Co Code is 3 characters (2-character codes are
	// padded with "_"); File # is the employee's 1-6 digit file number.
	adpCoCode  = regexp.MustCompile(`^[A-Z0-9]{2,3}$`)
	adpFileNo  = regexp.MustCompile(`^[0-9]{1,6}$`)
	adpBatchID = regexp.MustCompile(`^[A-Za-z0-9]{1,8}$`)
	adpHours3  = regexp.MustCompile(`^[A-Za-z0-9]{1,3}$`)
	// Paychex SPI: Client ID at most 8 alphanumerics, Worker ID at most
	// 10, alphanumeric only; Pay Component at most 20 characters.
	paychexClientID = regexp.MustCompile(`^[A-Za-z0-9]{1,8}$`)
	paychexWorkerID = regexp.MustCompile(`^[A-Za-z0-9]{1,10}$`)
	// Gusto: the Gusto employee ID is 6 letters or digits; column titles
	// are lower-case words joined by "_".
	gustoID     = regexp.MustCompile(`^[A-Za-z0-9]{6}$`)
	gustoColumn = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// QuickBooks: COMPANYCREATETIME is a positive whole number.
	qbCreateTime = regexp.MustCompile(`^[1-9][0-9]*$`)
)

const (
	paychexComponentMax = 20 // SPI Pay Component field length
	qbNameMax           = 41 // QuickBooks Desktop name fields
	qbItemMax           = 31 // QuickBooks Desktop item names
	dayMinutesMax       = 23*60 + 59
)

// adpCompany is the Co Code as written: upper case, a 2-character code
// padded with "_".
func adpCompany(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) == 2 {
		c += "_"
	}
	return c
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || isBidi(r) }) >= 0
}

// validate collects every problem of cfg and the directory for format
// cfg.Format; s gives the employees and which categories carry hours.
func validate(in Input, cfg *Config, s Summary) []Problem {
	var ps []Problem
	add := func(emp, field, value, reason string) {
		ps = append(ps, Problem{Employee: emp, Field: field, Value: value, Reason: reason})
	}
	used := map[Earning]bool{}
	for _, l := range s.Lines {
		for _, e := range Earnings {
			if l.Of(e) != 0 {
				used[e] = true
			}
		}
	}
	mapping := cfg.Mapping(cfg.Format)
	needName := func(flag string, max int) {
		for _, e := range Earnings {
			v, ok := mapping[e]
			switch {
			case !ok || strings.TrimSpace(v) == "":
				if used[e] {
					add("", flag+" "+string(e), v, "needed for this period's "+string(e)+" hours")
				}
			case utf8.RuneCountInString(v) > max || hasControl(v) || IsFormula(v):
				add("", flag+" "+string(e), v, fmt.Sprintf("at most %d characters, no control characters, not starting with = + - @", max))
			}
		}
	}
	switch cfg.Format {
	case ADP:
		if !adpCoCode.MatchString(strings.ToUpper(strings.TrimSpace(cfg.ADP.CompanyCode))) {
			add("", "ADP company code", cfg.ADP.CompanyCode, "want 2 or 3 letters or digits (ADP's Co Code)")
		}
		if cfg.ADP.BatchID != "" {
			if !adpBatchID.MatchString(cfg.ADP.BatchID) {
				add("", "ADP batch id", cfg.ADP.BatchID, "want 1-8 letters or digits")
			}
		} else if strings.TrimSpace(in.ExportID) == "" {
			add("", "ADP batch id", "", "give a batch id or an export id to derive it from, unique per export")
		}
		for _, e := range Earnings {
			v, ok := mapping[e]
			switch {
			case e == EarnRegular || e == EarnOvertime:
				if ok {
					add("", "ADP earning "+string(e), v, "regular and overtime go to the Reg Hours and O/T Hours columns; remove this code")
				}
			case !ok || v == "":
				if used[e] {
					add("", "ADP earning "+string(e), v, "this period has "+string(e)+" hours: set the company's Hours 3 code for them")
				}
			case !adpHours3.MatchString(v):
				add("", "ADP earning "+string(e), v, "want an Hours 3 code of 1-3 letters or digits")
			}
		}
	case Paychex:
		if !paychexClientID.MatchString(cfg.Paychex.ClientID) {
			add("", "Paychex client id", cfg.Paychex.ClientID, "want 1-8 letters or digits")
		}
		needName("Paychex pay component", paychexComponentMax)
	case Gusto:
		seen := map[string]bool{"first_name": true, "last_name": true, "gusto_employee_id": true}
		for _, e := range Earnings {
			v := mapping[e]
			switch {
			case v == "":
				if used[e] {
					add("", "Gusto column "+string(e), v, "needed for this period's "+string(e)+" hours")
				}
			case !gustoColumn.MatchString(v) || seen[v]:
				add("", "Gusto column "+string(e), v, "want a distinct Gusto column title such as regular_hours")
			default:
				seen[v] = true
			}
		}
	case IIF:
		qb := cfg.QuickBooks
		if c := strings.TrimSpace(qb.Company); c == "" || hasControl(c) || utf8.RuneCountInString(c) > 250 {
			add("", "QuickBooks company", qb.Company, "required: the company name exactly as the QuickBooks company file has it")
		}
		if !qbCreateTime.MatchString(qb.CompanyCreateTime) {
			add("", "QuickBooks company create time", qb.CompanyCreateTime, "required: the company file's COMPANYCREATETIME, a positive whole number (from a timer export)")
		}
		needName("QuickBooks payroll item", qbItemMax)
	}

	workers := map[string]string{}
	for _, l := range s.Lines {
		num := l.Number
		if in.Blocked != nil && in.Blocked(num) && !cfg.AllowExceptions {
			add(num, "exceptions", "", "blocking exceptions in the period: resolve them, or allow exceptions to export anyway")
		}
		if cfg.Format == Generic {
			continue
		}
		emp, ok := in.Directory[num]
		if !ok {
			add(num, "directory", "", "not in the employee directory, so it has no payroll id")
			continue
		}
		id := emp.Payroll
		switch cfg.Format {
		case ADP:
			if !adpFileNo.MatchString(id.ADPFileNumber) {
				add(num, "ADP File #", id.ADPFileNumber, "want the ADP file number, 1-6 digits")
			}
		case Paychex:
			switch {
			case !paychexWorkerID.MatchString(id.PaychexWorkerID):
				add(num, "Paychex Worker ID", id.PaychexWorkerID, "want 1-10 letters or digits")
			case workers[strings.ToUpper(id.PaychexWorkerID)] != "":
				add(num, "Paychex Worker ID", id.PaychexWorkerID, "also used by employee "+workers[strings.ToUpper(id.PaychexWorkerID)])
			default:
				workers[strings.ToUpper(id.PaychexWorkerID)] = num
			}
		case Gusto:
			first, last := strings.TrimSpace(emp.FirstName), strings.TrimSpace(emp.LastName)
			switch {
			case id.GustoID != "" && !gustoID.MatchString(id.GustoID):
				add(num, "Gusto employee id", id.GustoID, "want Gusto's 6-character employee id")
			case id.GustoID == "" && (first == "" || last == ""):
				add(num, "first and last name", first+" / "+last, "Gusto matches on first_name and last_name (or the Gusto employee id): set both")
			}
		case IIF:
			n := strings.TrimSpace(id.QuickBooksName)
			switch {
			case n == "":
				add(num, "QuickBooks employee name", "", "required: the name exactly as on the QuickBooks employee list")
			case utf8.RuneCountInString(n) > qbNameMax:
				add(num, "QuickBooks employee name", n, fmt.Sprintf("at most %d characters", qbNameMax))
			}
		}
	}
	return ps
}
