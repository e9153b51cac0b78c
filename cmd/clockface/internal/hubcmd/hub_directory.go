package hubcmd

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"clockface/sync/hub"
	"clockface/sync/wire"
)

// statusCmds are `hub employee terminate|restrict|unrestrict NUMBER`: the
// change is audited on the hub and applied by every kiosk at its next
// sync (templates deleted, face matching stopped), as the dashboard's
// Employees screen does. Termination is final.
func (a *app) statusCmds(addDB func(*cobra.Command), open storeOpener) []*cobra.Command {
	short := map[string]string{
		wire.ActionTerminate:  "Terminate NUMBER on every kiosk at its next sync (face data deleted there; final)",
		wire.ActionRestrict:   "Restrict NUMBER to PIN or badge on every kiosk at its next sync (face matching stopped)",
		wire.ActionUnrestrict: "Lift NUMBER's restriction to PIN on every kiosk at its next sync",
	}
	var out []*cobra.Command
	for _, action := range []string{wire.ActionTerminate, wire.ActionRestrict, wire.ActionUnrestrict} {
		var who, reason string
		c := &cobra.Command{
			Use:   action + " NUMBER",
			Short: short[action],
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return open.with(cmd.Context(), func(st *hub.DB) error {
					ch, err := st.ChangeEmployeeStatus(cmd.Context(), args[0], action, reason, actorOr(who), a.Clock.Now())
					if err != nil {
						return err
					}
					fmt.Fprintf(a.Stdout, "%s %s: change %d, applied by each kiosk at its next sync\n", action, safe(args[0]), ch.Seq)
					return nil
				})
			},
		}
		c.Flags().StringVar(&reason, "reason", "", "why (required; kept in the hub's audit log and on each kiosk)")
		_ = c.MarkFlagRequired("reason")
		addDB(c)
		actorFlag(c, &who)
		out = append(out, c)
	}
	return out
}

// placeCmd is `hub employee place NUMBER --site S --department D`: where
// an employee belongs on the hub (kiosk syncs never change it); a
// department-scoped manager sees the employees placed in their
// departments. Only the flags given change.
func (a *app) placeCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	var who, site, dept string
	c := &cobra.Command{
		Use:   "place NUMBER",
		Short: "Set an employee's site and department on the hub (only the flags given change)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			siteSet, deptSet := cmd.Flags().Changed("site"), cmd.Flags().Changed("department")
			if !siteSet && !deptSet {
				return fmt.Errorf("nothing to set: give --site, --department or both")
			}
			return open.with(cmd.Context(), func(st *hub.DB) error {
				p, err := st.PlacementOf(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if siteSet {
					p.Site = site
				}
				if deptSet {
					p.Department = dept
				}
				if err := st.SetPlacement(cmd.Context(), args[0], p, actorOr(who), a.Clock.Now()); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "%s: site %q, department %q\n", safe(args[0]), safe(p.Site), safe(p.Department))
				return nil
			})
		},
	}
	c.Flags().StringVar(&site, "site", "", `a named site's id (hub site list), "" for none`)
	c.Flags().StringVar(&dept, "department", "", `the department, "" for none`)
	addDB(c)
	actorFlag(c, &who)
	return c
}

// hubSiteCmd is `hub site add|list|assign`: named sites and the kiosks at
// them. A kiosk at no site is a site of its own.
func (a *app) hubSiteCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	c := &cobra.Command{Use: "site", Short: "Named sites and the kiosks at them"}
	var who string
	add := &cobra.Command{
		Use: "add ID NAME", Short: "Add a named site (id: lower-case letters, digits, '.', '_', '-')", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				s, err := st.AddSite(cmd.Context(), args[0], args[1], actorOr(who), a.Clock.Now())
				if err == nil {
					fmt.Fprintf(a.Stdout, "added site %s (%s)\n", s.ID, safe(s.Name))
				}
				return err
			})
		},
	}
	addDB(add)
	actorFlag(add, &who)
	assign := &cobra.Command{
		Use: "assign KIOSK SITE", Short: `Put a kiosk at a named site ("" for none)`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				if err := st.AssignKiosk(cmd.Context(), args[0], args[1], actorOr(who), a.Clock.Now()); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "kiosk %s: site %q\n", safe(args[0]), safe(args[1]))
				return nil
			})
		},
	}
	addDB(assign)
	actorFlag(assign, &who)
	c.AddCommand(add, a.hubSiteListCmd(addDB, open), assign)
	return c
}

func (a *app) hubSiteListCmd(addDB func(*cobra.Command), open storeOpener) *cobra.Command {
	list := &cobra.Command{
		Use: "list", Short: "List the named sites", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open.with(cmd.Context(), func(st *hub.DB) error {
				ss, err := st.NamedSites(cmd.Context())
				if err != nil {
					return err
				}
				if a.JSONOut {
					return json.NewEncoder(a.Stdout).Encode(ss)
				}
				tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME")
				for _, s := range ss {
					fmt.Fprintf(tw, "%s\t%s\n", s.ID, safe(s.Name))
				}
				return tw.Flush()
			})
		},
	}
	addDB(list)
	a.JSONFlag(list)
	return list
}
