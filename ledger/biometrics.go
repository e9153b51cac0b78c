package ledger

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"clockface"
	"clockface/embeddings"
	"clockface/vault"
)

// Snapshot purposes.
const (
	SnapshotPunch = "punch"
	SnapshotEnrol = "enrol"
)

func templatePurpose(m embeddings.Model) string { return "template:" + m.String() }
func snapshotPurpose(uid string) string         { return "snapshot:" + uid }

// RecordConsent stores a signed consent for c.EmployeeNumber. SignedAt
// defaults to now and KioskID to the ledger's; a consent without a kiosk id
// is refused (and the database refuses it too). An employee has at most one
// live consent: a new one needs the old one withdrawn.
func (l *Ledger) RecordConsent(ctx context.Context, c clockface.Consent) (clockface.Consent, error) {
	c, err := l.checkConsent(c)
	if err != nil {
		return clockface.Consent{}, fmt.Errorf("record %w", err)
	}
	err = l.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT id, status FROM employees WHERE number = ?`, c.EmployeeNumber).Scan(&id, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("employee %q: %w", c.EmployeeNumber, clockface.ErrUnknownEmployee)
		}
		if err != nil {
			return err
		}
		if status != string(clockface.StatusActive) {
			return clockface.ErrTerminated
		}
		var live bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM consents WHERE employee_id = ? AND withdrawn_at IS NULL)`, id).Scan(&live); err != nil {
			return err
		}
		if live {
			return errors.New("a live consent exists; withdraw it first")
		}
		c.ID, err = l.insertConsent(ctx, tx, id, c)
		return err
	})
	if err != nil {
		return clockface.Consent{}, fmt.Errorf("record consent of %s: %w", c.EmployeeNumber, err)
	}
	return c, nil
}

// insertConsent stores a checked consent (checkConsent) of employee empID
// in tx, with its audit entry, and returns its id.
func (l *Ledger) insertConsent(ctx context.Context, tx *sql.Tx, empID int64, c clockface.Consent) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO consents (employee_id, text_version, locale, text_sha256, signature, signed_at, kiosk_id, retention_policy)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, empID, c.TextVersion, c.Locale, c.TextSHA256, c.Signature, nanos(c.SignedAt), c.KioskID, c.RetentionPolicy)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, l.audit(ctx, tx, "kiosk:"+c.KioskID, "consent.record", c.EmployeeNumber,
		map[string]any{"consent_id": id, "text_version": c.TextVersion, "text_sha256": c.TextSHA256, "kiosk_id": c.KioskID, "retention_policy": c.RetentionPolicy})
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

const consentCols = `c.id, e.number, c.text_version, c.locale, c.text_sha256, c.signature, c.signed_at, c.kiosk_id, c.retention_policy, c.withdrawn_at`

func scanConsent(sc interface{ Scan(...any) error }) (clockface.Consent, error) {
	var c clockface.Consent
	var signed int64
	var withdrawn sql.NullInt64
	if err := sc.Scan(&c.ID, &c.EmployeeNumber, &c.TextVersion, &c.Locale, &c.TextSHA256, &c.Signature, &signed, &c.KioskID, &c.RetentionPolicy, &withdrawn); err != nil {
		return clockface.Consent{}, err
	}
	c.SignedAt = fromNanos(signed)
	c.WithdrawnAt = nullTime(withdrawn)
	return c, nil
}

// LiveConsent returns the employee's live consent, or an error wrapping
// clockface.ErrNoConsent.
func (l *Ledger) LiveConsent(ctx context.Context, number string) (clockface.Consent, error) {
	if _, err := employeeID(ctx, l.db, number); err != nil {
		return clockface.Consent{}, fmt.Errorf("live consent: %w", err)
	}
	c, err := scanConsent(l.db.QueryRowContext(ctx, `SELECT `+consentCols+` FROM consents c JOIN employees e ON e.id = c.employee_id
		WHERE e.number = ? AND c.withdrawn_at IS NULL`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return clockface.Consent{}, fmt.Errorf("employee %s: %w", number, clockface.ErrNoConsent)
	}
	if err != nil {
		return clockface.Consent{}, fmt.Errorf("live consent of %s: %w", number, err)
	}
	return c, nil
}

// Consents returns all of the employee's consents, live and withdrawn.
func (l *Ledger) Consents(ctx context.Context, number string) ([]clockface.Consent, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+consentCols+` FROM consents c JOIN employees e ON e.id = c.employee_id
		WHERE e.number = ? ORDER BY c.id`, number)
	if err != nil {
		return nil, fmt.Errorf("consents of %s: %w", number, err)
	}
	defer rows.Close()
	var out []clockface.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("consents of %s: %w", number, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// WithdrawConsent withdraws the employee's live consent. Their templates
// are deleted in the same transaction (by a trigger, so the database itself
// keeps the promise), and so are their enrolment images.
func (l *Ledger) WithdrawConsent(ctx context.Context, number, actor string) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM templates WHERE employee_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE consents SET withdrawn_at = ? WHERE employee_id = ? AND withdrawn_at IS NULL`, nanos(l.now()), id)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return clockface.ErrNoConsent
		}
		// Enrolment images exist only for the template: they go too.
		res, err = tx.ExecContext(ctx, `DELETE FROM snapshots WHERE employee_id = ? AND purpose = 'enrol'`, id)
		if err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "consent.withdraw", number, map[string]any{"templates_deleted": n, "enrol_images_deleted": rowsAffected(res)})
	})
	if err != nil {
		return fmt.Errorf("withdraw consent of %s: %w", number, err)
	}
	l.flushDeleted(ctx)
	return nil
}

// SaveTemplate encrypts t under its owner's data key and stores it,
// replacing any template of the same model in one transaction. It needs a
// live consent (clockface.ErrNoConsent) and an active employee.
//
// It is also the site's self-calibration step: the new template is
// measured against every other face-matchable template of its model
// (before the transaction, so no lock is held while they are decrypted
// and compared), and a pair nearer than the site's recorded nearest pair
// is stored and audited (SiteCalibration). A restricted employee's
// template is not measured: restriction means no processing.
func (l *Ledger) SaveTemplate(ctx context.Context, t embeddings.Template, actor string) error {
	plain, site, err := l.measureTemplate(ctx, t)
	if err != nil {
		return fmt.Errorf("save template of %s: %w", t.Owner, err)
	}
	err = l.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		var restricted bool
		err := tx.QueryRowContext(ctx, `SELECT id, status, restricted FROM employees WHERE number = ?`, t.Owner).Scan(&id, &status, &restricted)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("employee %q: %w", t.Owner, clockface.ErrUnknownEmployee)
		}
		if err != nil {
			return err
		}
		if status != string(clockface.StatusActive) {
			return clockface.ErrTerminated
		}
		var consentID int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM consents WHERE employee_id = ? AND withdrawn_at IS NULL`, id).Scan(&consentID)
		if errors.Is(err, sql.ErrNoRows) {
			return clockface.ErrNoConsent
		}
		if err != nil {
			return err
		}
		if err := l.storeTemplate(ctx, tx, id, consentID, t, plain, actor); err != nil {
			return err
		}
		if restricted {
			return nil
		}
		return l.recordEnrolment(ctx, tx, t.Model, site, actor)
	})
	if err != nil {
		return fmt.Errorf("save template of %s: %w", t.Owner, err)
	}
	return nil
}

// measureTemplate encodes t and measures it against every other
// face-matchable template of its model (the site's self-calibration),
// before any transaction, so no lock is held while they are decrypted and
// compared.
func (l *Ledger) measureTemplate(ctx context.Context, t embeddings.Template) ([]byte, embeddings.ImpostorSummary, error) {
	plain, err := t.MarshalBinary()
	if err != nil {
		return nil, embeddings.ImpostorSummary{}, err
	}
	others, err := l.Templates(ctx, t.Model)
	if err != nil {
		return nil, embeddings.ImpostorSummary{}, err
	}
	site, err := embeddings.NearestImpostor(t, others)
	if err != nil {
		return nil, embeddings.ImpostorSummary{}, err
	}
	return plain, site, nil
}

// storeTemplate seals t's encoding plain with employee empID's data key
// and stores it under consent consentID in tx, replacing the model's
// earlier one, with its audit entry; a new enrolment starts the refresh
// week again (from created_at).
func (l *Ledger) storeTemplate(ctx context.Context, tx *sql.Tx, empID, consentID int64, t embeddings.Template, plain []byte, actor string) error {
	dk, err := l.dataKey(ctx, tx, empID, t.Owner, true)
	if err != nil {
		return err
	}
	ct, err := dk.Seal(t.Owner, templatePurpose(t.Model), plain)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO templates (employee_id, consent_id, model_name, model_version, dim, ciphertext, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (employee_id, model_name, model_version) DO UPDATE SET
			consent_id = excluded.consent_id, dim = excluded.dim, ciphertext = excluded.ciphertext, created_at = excluded.created_at`,
		empID, consentID, t.Model.Name, t.Model.Version, len(t.Samples[0]), ct, nanos(l.now()))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM template_refresh WHERE employee_id = ? AND model_name = ? AND model_version = ?`,
		empID, t.Model.Name, t.Model.Version); err != nil {
		return err
	}
	return l.audit(ctx, tx, actor, "template.save", t.Owner, map[string]any{"model": t.Model.String(), "samples": len(t.Samples)})
}

// Template returns the employee's decrypted template for model m, or an
// error wrapping clockface.ErrNotFound. It is not audited: the kiosk calls
// it for every 1:1 verification (the system, not a person, and nothing is
// displayed), and an audit entry per punch would bury the log.
func (l *Ledger) Template(ctx context.Context, number string, m embeddings.Model) (embeddings.Template, error) {
	var id int64
	var ct []byte
	err := l.db.QueryRowContext(ctx, `SELECT e.id, t.ciphertext FROM templates t JOIN employees e ON e.id = t.employee_id
		WHERE e.number = ? AND t.model_name = ? AND t.model_version = ?`, number, m.Name, m.Version).Scan(&id, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := employeeID(ctx, l.db, number); err != nil {
			return embeddings.Template{}, fmt.Errorf("template: %w", err)
		}
		return embeddings.Template{}, fmt.Errorf("template of %s for %s: %w", number, m, clockface.ErrNotFound)
	}
	if err != nil {
		return embeddings.Template{}, fmt.Errorf("template of %s: %w", number, err)
	}
	wrapped, err := l.wrappedKey(ctx, id)
	if err != nil {
		return embeddings.Template{}, fmt.Errorf("template of %s: %w", number, err)
	}
	t, err := l.openTemplate(number, m, wrapped, ct)
	if err != nil {
		return embeddings.Template{}, fmt.Errorf("template of %s: %w", number, err)
	}
	return t, nil
}

func (l *Ledger) wrappedKey(ctx context.Context, empID int64) ([]byte, error) {
	var w []byte
	err := l.db.QueryRowContext(ctx, `SELECT wrapped FROM data_keys WHERE employee_id = ?`, empID).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoDataKey
	}
	return w, err
}

func (l *Ledger) openTemplate(number string, m embeddings.Model, wrapped, ct []byte) (embeddings.Template, error) {
	dk, err := l.unwrap(number, wrapped)
	if err != nil {
		return embeddings.Template{}, err
	}
	plain, err := dk.Open(number, templatePurpose(m), ct)
	if err != nil {
		return embeddings.Template{}, err
	}
	var t embeddings.Template
	if err := t.UnmarshalBinary(plain); err != nil {
		return embeddings.Template{}, err
	}
	if t.Owner != number || t.Model.Name != m.Name || t.Model.Version != m.Version {
		return embeddings.Template{}, fmt.Errorf("decrypted template is for %s/%s, row says %s/%s", t.Owner, t.Model, number, m)
	}
	if m.Dim != 0 && t.Model.Dim != m.Dim {
		return embeddings.Template{}, fmt.Errorf("template is %d-d, model %s is %d-d", t.Model.Dim, m, m.Dim)
	}
	return t, nil
}

// TemplatesAs is Templates with one audit entry ("templates.read", naming
// actor, the model and how many templates) for the whole load: for a
// person's tool (calibrate, identify) or the kiosk's gallery load, not for
// each template.
func (l *Ledger) TemplatesAs(ctx context.Context, actor string, m embeddings.Model) ([]embeddings.Template, error) {
	if strings.TrimSpace(actor) == "" {
		return nil, errors.New("templates: no actor: reads of templates for a person are audited")
	}
	ts, err := l.Templates(ctx, m)
	if err != nil || len(ts) == 0 {
		return ts, err // nothing read, nothing to audit
	}
	if err := l.Audit(ctx, actor, "templates.read", "", map[string]any{"model": m.String(), "templates": len(ts)}); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return ts, nil
}

// Templates returns the decrypted templates for model m of every employee
// face matching may consider (Employee.FaceAllowed: active, not restricted,
// enrolled), by employee number. Decryption runs on all cores. It is not
// audited: it serves machine matching (an enrolment's duplicate check,
// template sharing), which never shows a descriptor to anyone; a load on a
// person's behalf uses TemplatesAs.
func (l *Ledger) Templates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error) {
	// The read runs outside the key lock: if key rotations committed
	// between its snapshot and the unwrap (two or more, so the snapshot's
	// key is neither the current nor the previous one), a fresh read sees
	// the current wrapping. The ciphertexts never change, only the wrap.
	var err error
	for range rotationRetries {
		var ts []embeddings.Template
		if ts, err = l.templatesOnce(ctx, m); !errors.Is(err, vault.ErrWrongKey) {
			return ts, err
		}
	}
	return nil, err
}

// rotationRetries bounds Templates' fresh reads after a concurrent key
// rotation.
const rotationRetries = 3

func (l *Ledger) templatesOnce(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT e.number, k.wrapped, t.ciphertext FROM templates t
		JOIN employees e ON e.id = t.employee_id
		JOIN data_keys k ON k.employee_id = t.employee_id
		WHERE t.model_name = ? AND t.model_version = ? AND e.status = 'active' AND e.restricted = 0
		ORDER BY e.number`, m.Name, m.Version)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	defer rows.Close()
	// Decrypt on every core while this goroutine keeps reading rows.
	type job struct {
		i           int
		number      string
		wrapped, ct []byte
	}
	type result struct {
		i   int
		t   embeddings.Template
		err error
	}
	jobs := make(chan job, 256)
	results := make(chan result, 256)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t, err := l.openTemplate(j.number, m, j.wrapped, j.ct)
				if err != nil {
					err = fmt.Errorf("%s: %w", j.number, err)
				}
				results <- result{j.i, t, err}
			}
		}()
	}
	var (
		out      []embeddings.Template
		firstErr error
		collect  = make(chan struct{})
	)
	go func() {
		defer close(collect)
		for r := range results {
			for len(out) <= r.i {
				out = append(out, embeddings.Template{})
			}
			out[r.i] = r.t
			if r.err != nil && firstErr == nil {
				firstErr = r.err
			}
		}
	}()
	var scanErr error
	n := 0
	for rows.Next() {
		var j job
		if scanErr = rows.Scan(&j.number, &j.wrapped, &j.ct); scanErr != nil {
			break
		}
		j.i = n
		n++
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	close(results)
	<-collect
	if scanErr == nil {
		scanErr = rows.Err()
	}
	if scanErr != nil {
		return nil, fmt.Errorf("templates: %w", scanErr)
	}
	if firstErr != nil {
		return nil, fmt.Errorf("templates: %w", firstErr)
	}
	if out == nil {
		out = []embeddings.Template{}
	}
	return out, nil
}

// DeleteTemplates deletes all of the employee's templates now (an
// employer's request, or re-enrolment from scratch).
func (l *Ledger) DeleteTemplates(ctx context.Context, number, actor, reason string) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		n, err := deleteTemplates(ctx, tx, id)
		if err != nil {
			return err
		}
		return l.audit(ctx, tx, actor, "template.delete", number, map[string]any{"reason": reason, "templates_deleted": n})
	})
	if err != nil {
		return fmt.Errorf("delete templates of %s: %w", number, err)
	}
	l.flushDeleted(ctx)
	return nil
}

func deleteTemplates(ctx context.Context, tx *sql.Tx, empID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE employee_id = ?`, empID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SaveSnapshot encrypts a JPEG taken at a punch or at enrolment (purpose
// SnapshotPunch or SnapshotEnrol) under the employee's data key and
// returns its id. Purge deletes it Config.ImageRetention after capture.
func (l *Ledger) SaveSnapshot(ctx context.Context, number string, jpeg []byte, purpose string) (int64, error) {
	if purpose != SnapshotPunch && purpose != SnapshotEnrol {
		return 0, fmt.Errorf("save snapshot: purpose %q is neither %q nor %q", purpose, SnapshotPunch, SnapshotEnrol)
	}
	if len(jpeg) == 0 {
		return 0, errors.New("save snapshot: empty image")
	}
	var sid int64
	err := l.tx(ctx, func(tx *sql.Tx) error {
		id, err := employeeID(ctx, tx, number)
		if err != nil {
			return err
		}
		sid, err = l.saveSnapshot(ctx, tx, id, number, jpeg, purpose, l.now())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save snapshot of %s: %w", number, err)
	}
	return sid, nil
}

// saveSnapshot encrypts jpeg under the employee's data key (made on first
// use) and stores it in tx, captured at at.
func (l *Ledger) saveSnapshot(ctx context.Context, tx *sql.Tx, empID int64, number string, jpeg []byte, purpose string, at time.Time) (int64, error) {
	dk, err := l.dataKey(ctx, tx, empID, number, true)
	if err != nil {
		return 0, err
	}
	u, err := uuid.NewV7()
	if err != nil {
		return 0, err
	}
	uid := u.String()
	ct, err := dk.Seal(number, snapshotPurpose(uid), jpeg)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO snapshots (uid, employee_id, purpose, captured_at, ciphertext) VALUES (?, ?, ?, ?, ?)`,
		uid, empID, purpose, nanos(at), ct)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// SnapshotInfo describes a stored snapshot without its bytes.
type SnapshotInfo struct {
	ID         int64     `json:"id"`
	UID        string    `json:"uid"`
	Employee   string    `json:"employee"`
	Purpose    string    `json:"purpose"`
	CapturedAt time.Time `json:"captured_at"`
}

// Snapshot returns the decrypted JPEG, or an error wrapping
// clockface.ErrNotFound once it has been purged or erased. Images are read
// only for people (an HR or support person, a DSAR), so every read is
// audited as "snapshot.view" by actor, who is required; if the audit entry
// cannot be written the image is not returned. (The kiosk's thumbnail at
// punch time is the frame it just captured, in memory, not a read of this
// store.)
func (l *Ledger) Snapshot(ctx context.Context, id int64, actor string) ([]byte, error) {
	if strings.TrimSpace(actor) == "" {
		return nil, fmt.Errorf("snapshot %d: no actor: reads of images are audited", id)
	}
	si, b, err := l.snapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := l.Audit(ctx, actor, "snapshot.view", si.Employee, map[string]any{
		"snapshot_id": si.ID, "purpose": si.Purpose, "captured_at": si.CapturedAt,
	}); err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	return b, nil
}

func (l *Ledger) snapshot(ctx context.Context, id int64) (SnapshotInfo, []byte, error) {
	var (
		si      SnapshotInfo
		at      int64
		wrapped []byte
		ct      []byte
	)
	err := l.db.QueryRowContext(ctx, `SELECT s.id, s.uid, e.number, s.purpose, s.captured_at, k.wrapped, s.ciphertext
		FROM snapshots s JOIN employees e ON e.id = s.employee_id LEFT JOIN data_keys k ON k.employee_id = s.employee_id
		WHERE s.id = ?`, id).Scan(&si.ID, &si.UID, &si.Employee, &si.Purpose, &at, &wrapped, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return SnapshotInfo{}, nil, fmt.Errorf("snapshot %d: %w", id, clockface.ErrNotFound)
	}
	if err != nil {
		return SnapshotInfo{}, nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	si.CapturedAt = fromNanos(at)
	if wrapped == nil {
		return SnapshotInfo{}, nil, fmt.Errorf("snapshot %d: %w", id, errNoDataKey)
	}
	dk, err := l.unwrap(si.Employee, wrapped)
	if err != nil {
		return SnapshotInfo{}, nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	b, err := dk.Open(si.Employee, snapshotPurpose(si.UID), ct)
	if err != nil {
		return SnapshotInfo{}, nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	return si, b, nil
}

// Snapshots lists the employee's stored snapshots, oldest first.
func (l *Ledger) Snapshots(ctx context.Context, number string) ([]SnapshotInfo, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT s.id, s.uid, e.number, s.purpose, s.captured_at FROM snapshots s
		JOIN employees e ON e.id = s.employee_id WHERE e.number = ? ORDER BY s.id`, number)
	if err != nil {
		return nil, fmt.Errorf("snapshots of %s: %w", number, err)
	}
	defer rows.Close()
	var out []SnapshotInfo
	for rows.Next() {
		var si SnapshotInfo
		var at int64
		if err := rows.Scan(&si.ID, &si.UID, &si.Employee, &si.Purpose, &at); err != nil {
			return nil, fmt.Errorf("snapshots of %s: %w", number, err)
		}
		si.CapturedAt = fromNanos(at)
		out = append(out, si)
	}
	return out, rows.Err()
}
