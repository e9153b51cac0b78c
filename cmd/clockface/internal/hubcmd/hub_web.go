package hubcmd

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clockface/attendance"
	"clockface/dashboard/hubdata"
	"clockface/payroll"
	"clockface/sync/hub"
)

// hubWebFlags are `hub serve`'s dashboard settings: the site's zone and
// rules (as `export` takes them) and how pay periods fall.
type hubWebFlags struct {
	off                                  bool
	tz, rules, weekStart, period, anchor string
	payroll                              string
}

// addHubWebFlags adds the dashboard's flags to `hub serve`.
func (a *app) addHubWebFlags(c *cobra.Command) *hubWebFlags {
	f := &hubWebFlags{}
	fl := c.Flags()
	fl.BoolVar(&f.off, "no-dashboard", false, "serve the kiosk API only, no dashboard at /")
	fl.StringVar(&f.tz, "tz", "", "the site's IANA time zone for the dashboard's timesheets (default: env CLOCKFACE_TZ; the dashboard needs one)")
	fl.StringVar(&f.rules, "rules", "flsa", "overtime rule set for timesheets: "+strings.Join(attendance.RuleSets(), ", "))
	fl.StringVar(&f.weekStart, "week-start", "sunday", "first day of the workweek")
	fl.StringVar(&f.period, "pay-period", hubdata.SemiMonthly, "pay periods: "+strings.Join(hubdata.PeriodKinds, ", "))
	fl.StringVar(&f.anchor, "period-anchor", "", "for weekly and biweekly periods: the first day of any one period, YYYY-MM-DD")
	fl.StringVar(&f.payroll, "payroll-config", "", "JSON file of company values and earnings names (as export --config): the dashboard then runs ADP, Paychex and QuickBooks exports too")
	return f
}

// hubWeb builds the dashboard on st for `hub serve`, or returns nil (and
// says why on stderr) when it is turned off or no zone is given.
func (a *app) hubWeb(ctx context.Context, st *hub.DB, f *hubWebFlags) (http.Handler, error) {
	if f.off {
		return nil, nil
	}
	tz := f.tz
	if tz == "" {
		tz = os.Getenv("CLOCKFACE_TZ")
	}
	if tz == "" {
		fmt.Fprintln(a.Stderr, "dashboard off: give --tz ZONE (or set CLOCKFACE_TZ) to serve it at /")
		return nil, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("--tz: %w", err)
	}
	rules, err := attendance.RuleSet(f.rules)
	if err != nil {
		return nil, fmt.Errorf("--rules: %w", err)
	}
	if rules.WeekStart, err = parseWeekday(f.weekStart); err != nil {
		return nil, err
	}
	rules.Location = loc
	periods := hubdata.PayPeriods{Kind: f.period}
	if f.anchor != "" {
		if periods.Anchor, err = time.Parse(time.DateOnly, f.anchor); err != nil {
			return nil, fmt.Errorf("--period-anchor: want YYYY-MM-DD: %w", err)
		}
	}
	cfg := hubdata.Config{Clock: a.Clock, Rules: rules, Periods: periods}
	if f.payroll != "" {
		pay, err := payroll.LoadConfig(f.payroll)
		if err != nil {
			return nil, fmt.Errorf("--payroll-config: %w", err)
		}
		cfg.Payroll = &pay
	}
	h, err := hubdata.NewDashboard(ctx, st, cfg, a.Clock,
		slog.New(slog.NewTextHandler(a.Stderr, nil)))
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return h, nil
}
