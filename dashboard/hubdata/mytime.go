package hubdata

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"clockface"
	"clockface/dashboard"
	"clockface/sync/hub"
)

// MyPeriod is the employee's own punches and hours in the period holding
// now, computed as the timesheet computes them (their overtime depends on
// their punches only, so reading only theirs gives the same total).
func (d *Data) MyPeriod(ctx context.Context, employee string, now time.Time) (dashboard.MyPeriod, error) {
	p, err := d.CurrentPeriod(ctx, now)
	if err != nil {
		return dashboard.MyPeriod{}, err
	}
	s, err := d.compute(ctx, p, func(from, to time.Time) ([]clockface.Punch, error) {
		return d.r.PunchesOf(ctx, employee, from, to)
	})
	if err != nil {
		return dashboard.MyPeriod{}, err
	}
	out := dashboard.MyPeriod{Period: p}
	for _, l := range s.summary.Lines {
		if l.Number == employee {
			out.Total = minutes(l.Total())
		}
	}
	for _, pu := range s.punches {
		t := pu.Time()
		if pu.Voided != nil || t.Before(s.from) || !t.Before(s.end) {
			continue
		}
		mp := dashboard.MyPunch{ID: pu.ID, At: t.In(d.rules.Location), Kind: string(pu.Kind), Kiosk: pu.KioskID}
		if pu.Corrected != nil {
			mp.Corrected, mp.Original, mp.Note = true, pu.At.In(d.rules.Location), pu.Corrected.Reason
		}
		out.Punches = append(out.Punches, mp)
	}
	return out, nil
}

// EmployeePunches is one employee's punches in the period, voided and
// corrected ones included (the page strikes through what was changed).
func (d *Data) EmployeePunches(ctx context.Context, site, employee string, p dashboard.Period, f dashboard.Filter) ([]dashboard.PunchRow, error) {
	pl, err := d.r.PlacementOf(ctx, employee)
	if err != nil {
		return nil, err
	}
	if !allows(f, employee, pl.Department) {
		return nil, nil
	}
	loc := d.rules.Location
	from := time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, loc)
	end := time.Date(p.To.Year(), p.To.Month(), p.To.Day()+1, 0, 0, 0, 0, loc)
	ps, err := d.r.PunchesOf(ctx, employee, from, end)
	if err != nil {
		return nil, err
	}
	here, err := d.members(ctx, ps, site)
	if err != nil {
		return nil, err
	}
	if _, ok := here[employee]; !ok {
		return nil, nil
	}
	out := make([]dashboard.PunchRow, 0, len(ps))
	for _, pu := range ps {
		r := dashboard.PunchRow{ID: pu.ID, At: pu.Time().In(loc), Kind: string(pu.Kind), Kiosk: pu.KioskID, Method: string(pu.Method)}
		if c := pu.Corrected; c != nil {
			r.Corrected, r.Original, r.ChangedBy, r.ChangeNote, r.ChangedAt = true, pu.At.In(loc), c.By, c.Reason, c.When.In(loc)
		}
		if v := pu.Voided; v != nil {
			r.Voided, r.VoidBy, r.VoidNote, r.VoidAt = true, v.By, v.Reason, v.When.In(loc)
		}
		out = append(out, r)
	}
	return out, nil
}

// FaceStatement is the plain statement every records download carries.
const FaceStatement = "Your face data never leaves the kiosks: the hub holds no photo and no face template of you that it can read. " +
	"If your employer turned on template sharing, the hub passes sealed copies between kiosks that only the kiosks can open; " +
	"they are listed here by model, date and size, without their contents. " +
	"To see what a kiosk holds (consents, templates, photos), ask HR to run `clockface dsar export NUMBER` at the kiosk."

// Records is the "what my employer holds about me" document.
type Records struct {
	Employee    string          `json:"employee"`
	GeneratedAt time.Time       `json:"generated_at"`
	Statement   string          `json:"statement"`
	Directory   *DirectoryEntry `json:"directory_entry"`
	Punches     []RecordPunch   `json:"punches"`
	// SealedShares are the shared templates' metadata (no ciphertext).
	SealedShares []hub.ShareRecord `json:"sealed_template_shares"`
}

// DirectoryEntry is the directory row the kiosks uploaded.
type DirectoryEntry struct {
	Number          string                   `json:"number"`
	Name            string                   `json:"name"`
	FirstName       string                   `json:"first_name,omitempty"`
	LastName        string                   `json:"last_name,omitempty"`
	Status          clockface.EmployeeStatus `json:"status"`
	RestrictedToPIN bool                     `json:"restricted_to_pin"`
	Payroll         clockface.PayrollIDs     `json:"payroll_ids"`
}

// RecordPunch is one punch as the hub holds it, with the kiosk's match
// check (distance and margin are numbers, not face data).
type RecordPunch struct {
	ID         string                `json:"id"`
	Kind       string                `json:"kind"`
	Method     string                `json:"method"`
	At         time.Time             `json:"at"`
	Kiosk      string                `json:"kiosk"`
	Distance   float64               `json:"match_distance,omitempty"`
	Margin     float64               `json:"match_margin,omitempty"`
	Liveness   string                `json:"liveness,omitempty"`
	Model      string                `json:"model,omitempty"`
	Correction *clockface.Correction `json:"correction,omitempty"`
	Void       *clockface.Void       `json:"void,omitempty"`
}

// MyRecords returns every hub-held record about employee as indented JSON:
// the directory entry, every punch (with corrections and voids) and the
// shared templates' metadata.
func (d *Data) MyRecords(ctx context.Context, employee string) ([]byte, error) {
	rec := Records{Employee: employee, GeneratedAt: d.clock.Now().UTC(), Statement: FaceStatement,
		Punches: []RecordPunch{}, SealedShares: []hub.ShareRecord{}}
	people, err := d.r.Employees(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range people {
		if e.Number == employee {
			rec.Directory = &DirectoryEntry{Number: e.Number, Name: e.Name, FirstName: e.FirstName, LastName: e.LastName,
				Status: e.Status, RestrictedToPIN: e.RestrictedToPIN, Payroll: e.Payroll}
		}
	}
	ps, err := d.r.PunchesOf(ctx, employee, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		rec.Punches = append(rec.Punches, RecordPunch{ID: p.ID, Kind: string(p.Kind), Method: string(p.Method), At: p.At,
			Kiosk: p.KioskID, Distance: p.Evidence.Distance, Margin: p.Evidence.Margin, Liveness: p.Evidence.Liveness,
			Model: p.Evidence.Model, Correction: p.Corrected, Void: p.Voided})
	}
	sh, err := d.r.SharesOf(ctx, employee)
	if err != nil {
		return nil, err
	}
	rec.SealedShares = append(rec.SealedShares, sh...)
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("records of %s: %w", employee, err)
	}
	return b, nil
}
