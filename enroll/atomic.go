package enroll

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"clockface"
	"clockface/embeddings"
)

// A new employee's enrolment at the kiosk (Config.NewEmployee) writes
// nothing until it ends: the consent is signed before capture and kept in
// the session, and Finish writes the employee, the consent, the template
// and any images in one transaction (Committer.EnrolNew), after the
// duplicate check. A failed, blocked or abandoned enrolment therefore
// leaves no employee and no consent behind; a decline writes the employee
// (with their PIN) and the audited decline in one transaction.

// Committer is a Store that writes a new employee's enrolment, or their
// decline, in one transaction; *ledger.Ledger has it.
type Committer interface {
	EnrolNew(ctx context.Context, e clockface.Employee, pin string, c clockface.Consent, t embeddings.Template, images [][]byte, actor string) (clockface.Employee, clockface.Consent, []int64, error)
	DeclineNew(ctx context.Context, e clockface.Employee, pin, actor string, detail map[string]string) (clockface.Employee, error)
}

// Errors of a new employee's enrolment.
var (
	// ErrNumberUsed says a new employee's number is already in the ledger.
	ErrNumberUsed = errors.New("employee number already used")
	// ErrPINRequired says a new employee who declines needs a PIN (or a
	// badge): without one they could not punch at all.
	ErrPINRequired = errors.New("a PIN is required to punch without a face")
)

// committer is the session's store as a Committer, for NewEmployee.
func (s *Session) committer() (Committer, error) {
	c, ok := s.store.(Committer)
	if !ok {
		return nil, errors.New("enrol: the store cannot write an enrolment in one transaction")
	}
	return c, nil
}

// checkNew checks a new employee's applicant before anything is shown: a
// name, and a number the ledger does not know yet.
func (s *Session) checkNew(ctx context.Context) error {
	if _, err := s.committer(); err != nil {
		return err
	}
	if strings.TrimSpace(s.who.Name) == "" {
		return fmt.Errorf("enrol: %s is a new employee and needs a name", s.who.Number)
	}
	_, err := s.store.Employee(ctx, s.who.Number)
	switch {
	case err == nil:
		return fmt.Errorf("enrol %s: %w", s.who.Number, ErrNumberUsed)
	case !errors.Is(err, clockface.ErrUnknownEmployee):
		return fmt.Errorf("enrol %s: %w", s.who.Number, err)
	}
	return nil
}

// newEmployee is the applicant as the employee to be added.
func (s *Session) newEmployee() clockface.Employee {
	locale := s.who.Locale
	if locale == "" {
		locale = s.notice.Locale
	}
	return clockface.Employee{Number: s.who.Number, Name: strings.TrimSpace(s.who.Name), Locale: locale, BadgeID: s.who.BadgeID, Status: clockface.StatusActive}
}

// consentNew keeps the signed consent in the session; Finish writes it.
func (s *Session) consentNew(ctx context.Context, signature string) (clockface.Consent, error) {
	if err := s.checkNew(ctx); err != nil {
		return clockface.Consent{}, err
	}
	c := clockface.Consent{
		EmployeeNumber:  s.who.Number,
		TextVersion:     s.notice.Version,
		Locale:          s.notice.Locale,
		TextSHA256:      s.notice.SHA256,
		Signature:       signature,
		SignedAt:        s.cfg.Clock.Now().UTC(),
		KioskID:         s.cfg.KioskID,
		RetentionPolicy: RetentionPolicy,
	}
	s.employee, s.consent, s.state = s.newEmployee(), c, StateCapture
	return c, nil
}

// declineNew writes the employee and the decline in one transaction.
func (s *Session) declineNew(ctx context.Context) (clockface.Employee, error) {
	if s.who.PIN == "" && s.who.BadgeID == "" {
		return clockface.Employee{}, fmt.Errorf("decline %s: %w", s.who.Number, ErrPINRequired)
	}
	if err := s.checkNew(ctx); err != nil {
		return clockface.Employee{}, err
	}
	c, _ := s.committer()
	detail := map[string]string{"text_version": s.notice.Version, "locale": s.notice.Locale, "text_sha256": s.notice.SHA256, "kiosk_id": s.cfg.KioskID}
	emp, err := c.DeclineNew(ctx, s.newEmployee(), s.who.PIN, s.cfg.Actor, detail)
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("decline: %w", err)
	}
	s.employee, s.state = emp, StateDeclined
	return emp, nil
}

// finishNew writes the whole enrolment in one transaction.
func (s *Session) finishNew(ctx context.Context, res Result) (Result, error) {
	c, err := s.committer()
	if err != nil {
		s.state = StateFailed
		return Result{}, err
	}
	t := embeddings.Template{Owner: s.employee.Number, Model: res.Model, Samples: s.samples}
	emp, consent, ids, err := c.EnrolNew(ctx, s.employee, s.who.PIN, s.consent, t, s.frames, s.cfg.Actor)
	if err != nil {
		s.state = StateFailed
		return Result{}, err
	}
	s.frames = nil
	s.employee, s.consent, s.state = emp, consent, StateDone
	res.Employee, res.Consent, res.Snapshots = emp, consent, ids
	return res, nil
}
