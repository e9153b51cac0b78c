package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"clockface/dashboard"
)

// The fake's kiosk, site and correction-request actions: they record what
// they were asked and refuse what the hub refuses (unknown kiosks, empty
// reasons), so the handlers' answers can be checked.

func (f *fakeData) PairingCode(_ context.Context, kiosk, actor string) (dashboard.PairingCode, error) {
	if kiosk != "" && kiosk != "kiosk-A" && kiosk != "kiosk-B" {
		return dashboard.PairingCode{}, fmt.Errorf("kiosk %s: %w", kiosk, dashboard.ErrNotFound)
	}
	f.record(change{What: "pair", Subject: kiosk, Actor: actor})
	return dashboard.PairingCode{Code: "ABCD-EFGH-JKLM", Kiosk: kiosk, Expires: f.day.Add(time.Hour)}, nil
}

func (f *fakeData) Revoke(_ context.Context, kiosk, reason, actor string) error {
	if kiosk != "kiosk-A" && kiosk != "kiosk-B" {
		return fmt.Errorf("kiosk %s: %w", kiosk, dashboard.ErrNotFound)
	}
	f.record(change{What: "revoke", Subject: kiosk, Reason: reason, Actor: actor})
	return nil
}

func (f *fakeData) AddSite(_ context.Context, id, name, actor string) error {
	if id == "" || strings.TrimSpace(name) == "" {
		return fmt.Errorf("a site needs an id and a name: %w", dashboard.ErrInvalid)
	}
	f.record(change{What: "site.add", Subject: id, Reason: name, Actor: actor})
	return nil
}

func (f *fakeData) AssignKiosk(_ context.Context, kiosk, site, actor string) error {
	f.record(change{What: "kiosk.site", Subject: kiosk + "@" + site, Actor: actor})
	return nil
}

func (f *fakeData) Place(_ context.Context, employee, site, department, actor string) error {
	f.record(change{What: "placement", Subject: employee + "@" + site + "/" + department, Actor: actor})
	return nil
}

// fakeRequest is E1's open request at site A, id 7.
func (f *fakeData) fakeRequest() dashboard.CorrectionRequest {
	return dashboard.CorrectionRequest{ID: 7, Employee: "E1", Name: "Ana Díaz", Kind: "out", At: f.day.Add(17 * time.Hour),
		Note: "forgot to clock out at 17:00", Created: f.day.Add(18 * time.Hour), Status: dashboard.RequestOpen}
}

func (f *fakeData) Ask(_ context.Context, employee string, r dashboard.NewRequest, actor string) error {
	f.record(change{What: "request", Subject: employee, Reason: r.Note, Actor: actor, At: r.At})
	return nil
}

func (f *fakeData) Mine(_ context.Context, employee string) ([]dashboard.CorrectionRequest, error) {
	if employee != "E1" {
		return nil, nil
	}
	return []dashboard.CorrectionRequest{f.fakeRequest()}, nil
}

func (f *fakeData) Open(_ context.Context, site string, fl dashboard.Filter) ([]dashboard.CorrectionRequest, error) {
	for _, e := range f.match(site, fl) {
		if e.number == "E1" {
			return []dashboard.CorrectionRequest{f.fakeRequest()}, nil
		}
	}
	return nil, nil
}

func (f *fakeData) findRequest(id int64, site string, fl dashboard.Filter) error {
	rs, _ := f.Open(context.Background(), site, fl)
	for _, r := range rs {
		if r.ID == id {
			return nil
		}
	}
	return fmt.Errorf("request %d: %w", id, dashboard.ErrNotFound)
}

func (f *fakeData) Resolve(_ context.Context, id int64, site string, fl dashboard.Filter, at time.Time, reason, actor string) error {
	if err := f.findRequest(id, site, fl); err != nil {
		return err
	}
	f.record(change{What: "request.resolve", Subject: fmt.Sprint(id), Reason: reason, Actor: actor, At: at})
	return nil
}

func (f *fakeData) Reject(_ context.Context, id int64, site string, fl dashboard.Filter, reason, actor string) error {
	if err := f.findRequest(id, site, fl); err != nil {
		return err
	}
	f.record(change{What: "request.reject", Subject: fmt.Sprint(id), Reason: reason, Actor: actor})
	return nil
}
