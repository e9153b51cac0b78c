package hubdata_test

import (
	"context"
	"slices"
	"testing"

	"clockface"
	"clockface/dashboard"
	"clockface/sync/hub"
)

// TestSitesAndDepartments: with the back kiosk put at the named site
// "main" and Bo placed at main in the kitchen, the board goes by where
// people punched, the timesheet by where HR placed them (else where they
// punched), and a department filter by the department HR set.
func TestSitesAndDepartments(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t, kind, clockface.SystemClock{})
			scenario(r)
			if _, err := r.st.AddSite(ctx, "main", "Main Street", "owner@x", now); err != nil {
				t.Fatal(err)
			}
			if err := r.st.AssignKiosk(ctx, "back", "main", "owner@x", now); err != nil {
				t.Fatal(err)
			}
			if err := r.st.SetPlacement(ctx, "E2", hub.Placement{Site: "main", Department: "kitchen"}, "hr@x", now); err != nil {
				t.Fatal(err)
			}
			d := r.data()
			sites, err := d.Sites(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := []dashboard.Site{{ID: "main", Name: "Main Street"}, {ID: "front", Name: "front", Kiosk: true}}; !slices.Equal(sites, want) {
				t.Errorf("sites: got %+v, want %+v", sites, want)
			}
			kitchen := dashboard.Filter{Departments: []string{"kitchen"}}
			board := func(site string, f dashboard.Filter) []string {
				ps, err := d.WhoIsIn(ctx, site, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, p := range ps {
					out = append(out, p.Employee+":"+string(p.State)+":"+p.Department)
				}
				return out
			}
			sheet := func(site string, f dashboard.Filter) []string {
				ts, err := d.Timesheet(ctx, site, period, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, row := range ts.Rows {
					out = append(out, row.Employee)
				}
				slices.Sort(out)
				return out
			}
			for _, tc := range []struct {
				name string
				got  []string
				want []string
			}{
				{"board at front (where they punched)", board("front", dashboard.Filter{}), []string{"E1:in:", "E2:break:kitchen"}},
				{"board at main", board("main", dashboard.Filter{}), []string{"E3:out:"}},
				{"kitchen's board at front", board("front", kitchen), []string{"E2:break:kitchen"}},
				{"timesheet at main (placed, or punched at back)", sheet("main", dashboard.Filter{}), []string{"E1", "E2", "E3"}},
				{"timesheet at front (Bo is placed at main)", sheet("front", dashboard.Filter{}), []string{"E1"}},
				{"kitchen's timesheet at main", sheet("main", kitchen), []string{"E2"}},
				{"a department no one is in", sheet("main", dashboard.Filter{Departments: []string{"bar"}}), nil},
			} {
				if !slices.Equal(tc.got, tc.want) {
					t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
				}
			}
			dir, err := d.Employees(ctx, dashboard.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range dir {
				got = append(got, e.Number+"@"+e.Site+"/"+e.Department)
			}
			if want := []string{"E1@front/", "E2@main/kitchen", "E3@main/"}; !slices.Equal(got, want) {
				t.Errorf("directory: got %q, want %q", got, want)
			}
			// A later sync from the kiosks keeps Bo's placement.
			r.kiosks["front"].punch(t, "E2", clockface.BreakEnd, local(20, 11, 45))
			r.sync()
			if p, err := r.st.PlacementOf(ctx, "E2"); err != nil || p != (hub.Placement{Site: "main", Department: "kitchen"}) {
				t.Errorf("after a sync: placement %+v (%v), want main/kitchen", p, err)
			}
		})
	}
}
