package payroll

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Earning is a category of hours the attendance rules produce. Each
// format maps every category it is given hours in to a name the provider
// knows (a pay component, a payroll item, a column title, an earnings
// code). New categories (holiday, PTO) are added here and in each
// format's defaults.
type Earning string

const (
	EarnRegular  Earning = "regular"
	EarnOvertime Earning = "overtime"
	EarnDouble   Earning = "double"
)

// Earnings lists the categories in file order.
var Earnings = []Earning{EarnRegular, EarnOvertime, EarnDouble}

// Mapping is a format's name for each category.
type Mapping map[Earning]string

// Config is everything an export needs besides the timesheet and the
// directory: the format, the employer's company values at the provider
// and the earnings mapping. Start from DefaultConfig (or LoadConfig) and
// override from flags.
type Config struct {
	Format Format `json:"format,omitempty"`
	// AllowEmpty writes a header-only file for a period with no hours;
	// without it such a period is an error.
	AllowEmpty bool `json:"allow_empty,omitempty"`
	// AllowExceptions writes the file although employees have blocking
	// exceptions (Input.Blocked); the generic CSV marks their rows.
	AllowExceptions bool `json:"allow_exceptions,omitempty"`

	Generic    GenericConfig    `json:"generic"`
	ADP        ADPConfig        `json:"adp"`
	Paychex    PaychexConfig    `json:"paychex"`
	Gusto      GustoConfig      `json:"gusto"`
	QuickBooks QuickBooksConfig `json:"quickbooks"`
}

// GenericConfig is the generic CSV's one option.
type GenericConfig struct {
	// PerDay adds one row per employee and worked day before the
	// employee's period row.
	PerDay bool `json:"per_day,omitempty"`
}

// ADPConfig is ADP Workforce Now's paydata import.
type ADPConfig struct {
	// CompanyCode is the Co Code: 3 letters or digits; a 2-character code
	// is padded with "_" as ADP integrators do (in the file and its name).
	CompanyCode string `json:"company_code,omitempty"`
	// BatchID names the paydata batch (1-8 letters or digits). Empty:
	// derived from Input.ExportID, so each export gets its own batch.
	BatchID string `json:"batch_id,omitempty"`
	// Earnings: regular and overtime go to the fixed Reg Hours and O/T
	// Hours columns; every other category needs its Hours 3 code, which
	// is company-specific (no default: an export with double time and no
	// code is refused).
	Earnings Mapping `json:"earnings,omitempty"`
}

// PaychexConfig is Paychex Flex's Standard Payroll Import (SPI).
type PaychexConfig struct {
	// ClientID is the Paychex Client ID (branch and company number), up
	// to 8 letters or digits.
	ClientID string `json:"client_id,omitempty"`
	// Earnings: the pay component name for each category, as set up on
	// the company (up to 20 characters). Defaults Hourly, Overtime,
	// Double Time.
	Earnings Mapping `json:"earnings,omitempty"`
}

// GustoConfig is Gusto's "run payroll with CSV upload" hours file.
type GustoConfig struct {
	// Earnings: the Gusto column title for each category. Defaults
	// regular_hours, overtime_hours, double_overtime_hours.
	Earnings Mapping `json:"earnings,omitempty"`
}

// QuickBooksConfig is QuickBooks Desktop's timer IIF import.
type QuickBooksConfig struct {
	// Company is the company name exactly as the QuickBooks company file
	// has it (COMPANYNAME); required.
	Company string `json:"company,omitempty"`
	// CompanyCreateTime is the company file's creation stamp
	// (COMPANYCREATETIME), a positive whole number read from a timer
	// export of that company file; required.
	CompanyCreateTime string `json:"company_create_time,omitempty"`
	// Earnings: the payroll item (PITEM) for each category, as named in
	// the company file (up to 31 characters). Defaults Hourly,
	// Overtime (x1.5) hourly, Double-time hourly.
	Earnings Mapping `json:"earnings,omitempty"`
}

// DefaultConfig is the configuration with every documented default: the
// generic format and each provider's default earnings names.
func DefaultConfig() Config {
	return Config{
		Format: Generic,
		ADP:    ADPConfig{Earnings: Mapping{}},
		Paychex: PaychexConfig{Earnings: Mapping{
			EarnRegular: "Hourly", EarnOvertime: "Overtime", EarnDouble: "Double Time"}},
		Gusto: GustoConfig{Earnings: Mapping{
			EarnRegular: "regular_hours", EarnOvertime: "overtime_hours", EarnDouble: "double_overtime_hours"}},
		QuickBooks: QuickBooksConfig{Earnings: Mapping{
			EarnRegular: "Hourly", EarnOvertime: "Overtime (x1.5) hourly", EarnDouble: "Double-time hourly"}},
	}
}

// LoadConfig reads a JSON config file over DefaultConfig: keys it leaves
// out keep their defaults (earnings names one by one). Unknown keys and
// unknown earnings categories are errors.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("payroll config: %w", err)
	}
	c := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("payroll config %s: %w", path, err)
	}
	for _, m := range []Mapping{c.ADP.Earnings, c.Paychex.Earnings, c.Gusto.Earnings, c.QuickBooks.Earnings} {
		for e := range m {
			if !slices.Contains(Earnings, e) {
				return Config{}, fmt.Errorf("payroll config %s: unknown earnings category %q (want one of %v)", path, e, Earnings)
			}
		}
	}
	return c, nil
}

// Mapping returns the earnings mapping of format f (nil for generic).
func (c *Config) Mapping(f Format) Mapping {
	var m *Mapping
	switch f {
	case ADP:
		m = &c.ADP.Earnings
	case Paychex:
		m = &c.Paychex.Earnings
	case Gusto:
		m = &c.Gusto.Earnings
	case IIF:
		m = &c.QuickBooks.Earnings
	default:
		return nil
	}
	if *m == nil {
		*m = Mapping{}
	}
	return *m
}

// SetEarning applies a flag value "category=name" (for example
// "double=DT") to the mapping of the configured format.
func (c *Config) SetEarning(spec string) error {
	k, v, ok := strings.Cut(spec, "=")
	e := Earning(strings.TrimSpace(k))
	if !ok || strings.TrimSpace(v) == "" || !slices.Contains(Earnings, e) {
		return fmt.Errorf("earning %q: want CATEGORY=NAME, CATEGORY one of %v", spec, Earnings)
	}
	m := c.Mapping(c.Format)
	if m == nil {
		return fmt.Errorf("earning %q: format %q has no earnings mapping", spec, c.Format)
	}
	m[e] = strings.TrimSpace(v)
	return nil
}
