package ledger_test

import (
	"context"
	"errors"
	"testing"

	"clockface"
	"clockface/embeddings"
	"clockface/ledger"
)

// tableCounts is what the ledger holds, table by table.
type tableCounts struct{ Employees, Consents, Templates, DataKeys, Snapshots, Audit int }

func countTables(t *testing.T, l *ledger.Ledger) tableCounts {
	t.Helper()
	var c tableCounts
	for _, x := range []struct {
		table string
		n     *int
	}{{"employees", &c.Employees}, {"consents", &c.Consents}, {"templates", &c.Templates}, {"data_keys", &c.DataKeys}, {"snapshots", &c.Snapshots}, {"audit", &c.Audit}} {
		if err := l.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+x.table).Scan(x.n); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func newConsent(number string) clockface.Consent {
	return clockface.Consent{EmployeeNumber: number, TextVersion: "v1", Locale: "es", TextSHA256: sha(consentText("v1")), Signature: "Ana Díaz", RetentionPolicy: "r1"}
}

// TestEnrolNewAllOrNothing: EnrolNew writes employee, consent, template,
// key and images together, with the same audit entries as the separate
// calls; each refusal, before or inside the transaction, writes nothing.
func TestEnrolNewAllOrNothing(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "E1", "1111")
	before := countTables(t, l)

	ana := clockface.Employee{Number: " E2 ", Name: "Ana Díaz", Locale: "es"}
	for _, c := range []struct {
		name    string
		e       clockface.Employee
		pin     string
		consent clockface.Consent
		tmpl    embeddings.Template
		images  [][]byte
		want    error
	}{
		{"number used (in the transaction)", clockface.Employee{Number: "E1", Name: "Again"}, "1234", newConsent("E1"), template("E1", 1), nil, ledger.ErrEmployeeExists},
		{"bad PIN", ana, "12", newConsent("E2"), template("E2", 1), nil, nil},
		{"no signature", ana, "1234", clockface.Consent{TextVersion: "v1", TextSHA256: sha(consentText("v1")), RetentionPolicy: "r1"}, template("E2", 1), nil, nil},
		{"no samples", ana, "1234", newConsent("E2"), embeddings.Template{Model: testModel}, nil, nil},
		{"empty image", ana, "1234", newConsent("E2"), template("E2", 1), [][]byte{{}}, nil},
		{"no name", clockface.Employee{Number: "E2"}, "1234", newConsent("E2"), template("E2", 1), nil, nil},
	} {
		_, _, _, err := l.EnrolNew(ctx, c.e, c.pin, c.consent, c.tmpl, c.images, "hr")
		if err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error (%v)", c.name, err, c.want)
		}
		if got := countTables(t, l); got != before {
			t.Errorf("%s: got %+v, want %+v (nothing written)", c.name, got, before)
		}
	}

	emp, con, ids, err := l.EnrolNew(ctx, ana, "2468", newConsent("ignored"), template("ignored", 1), [][]byte{[]byte("jpeg 1"), []byte("jpeg 2")}, "hr")
	if err != nil {
		t.Fatal(err)
	}
	if emp.Number != "E2" || !emp.HasFace || emp.Locale != "es" || con.ID == 0 || con.EmployeeNumber != "E2" || con.KioskID != "kiosk-1" || len(ids) != 2 {
		t.Fatalf("got %+v, %+v, %v", emp, con, ids)
	}
	after := countTables(t, l)
	if got, want := after, (tableCounts{before.Employees + 1, before.Consents + 1, before.Templates + 1, before.DataKeys + 1, before.Snapshots + 2, after.Audit}); got != want {
		t.Errorf("after: got %+v, want %+v", got, want)
	}
	tm, err := l.Template(ctx, "E2", testModel)
	if err != nil || len(tm.Samples) != 2 {
		t.Errorf("template: got %+v, %v", tm, err)
	}
	if err := l.CheckPIN(ctx, "E2", "2468"); err != nil {
		t.Errorf("PIN: %v", err)
	}
	es, err := l.AuditEntries(ctx, "E2")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	if got, want := actions, []string{"employee.add", "consent.record", "template.save"}; !equalStrings(got, want) {
		t.Errorf("audit: got %v, want %v", got, want)
	}
	if err := l.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

// TestDeclineNew: a PIN-only employee and the audited decline, together;
// without a PIN or under a used number, nothing.
func TestDeclineNew(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).open(t)
	addEmployee(t, l, "E1", "1111")
	before := countTables(t, l)
	for _, c := range []struct {
		name string
		e    clockface.Employee
		pin  string
		want error
	}{
		{"no PIN", clockface.Employee{Number: "E3", Name: "No Pin"}, "", nil},
		{"number used", clockface.Employee{Number: "E1", Name: "Again"}, "1234", ledger.ErrEmployeeExists},
	} {
		if _, err := l.DeclineNew(ctx, c.e, c.pin, "hr", nil); err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error (%v)", c.name, err, c.want)
		}
		if got := countTables(t, l); got != before {
			t.Errorf("%s: got %+v, want %+v", c.name, got, before)
		}
	}
	e, err := l.DeclineNew(ctx, clockface.Employee{Number: "E3", Name: "Pin Only"}, "4711", "hr", map[string]string{"text_version": "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.HasFace || e.Number != "E3" {
		t.Errorf("got %+v", e)
	}
	if err := l.CheckPIN(ctx, "E3", "4711"); err != nil {
		t.Errorf("PIN: %v", err)
	}
	es, _ := l.AuditEntries(ctx, "E3")
	if len(es) != 2 || es[0].Action != "employee.add" || es[1].Action != "enrol.declined" {
		t.Errorf("audit: got %+v", es)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
