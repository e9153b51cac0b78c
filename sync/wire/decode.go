package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"clockface"
)

// ErrTooLarge says a body exceeded its size cap.
var ErrTooLarge = errors.New("body too large")

// DecodeBatch reads one batch of at most max bytes, strictly: unknown
// fields, trailing data and invalid values are errors. A *ValidationError
// names the field at fault.
func DecodeBatch(r io.Reader, max int64) (Batch, error) {
	var b Batch
	if err := decodeStrict(r, max, &b); err != nil {
		return Batch{}, err
	}
	if err := b.Validate(); err != nil {
		return Batch{}, err
	}
	return b, nil
}

// DecodePair reads a pairing request strictly.
func DecodePair(r io.Reader) (PairRequest, error) {
	var p PairRequest
	if err := decodeStrict(r, MaxPairBytes, &p); err != nil {
		return PairRequest{}, err
	}
	if p.Code == "" || len(p.Code) > 64 {
		return PairRequest{}, &ValidationError{"code", "missing or too long"}
	}
	if err := CheckKioskID("kiosk_id", p.KioskID); err != nil {
		return PairRequest{}, err
	}
	return p, nil
}

func decodeStrict(r io.Reader, max int64, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if int64(len(data)) > max {
		return fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	if err := checkDuplicateKeys(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed json: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed json: trailing data after the object")
	}
	return nil
}

// maxJSONDepth bounds the nesting checkDuplicateKeys walks: the wire
// types nest four deep; anything far deeper is not one of them.
const maxJSONDepth = 32

// ErrDuplicateKey says a JSON object named one member twice. encoding/json
// keeps the last one silently, so a signed body could say one thing to a
// reader that keeps the first and another to the hub.
var ErrDuplicateKey = errors.New("duplicate key")

// checkDuplicateKeys walks data's tokens and refuses an object that names
// a member twice (exact, case-sensitive match, and also names that
// encoding/json would fold together, since it matches fields
// case-insensitively).
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		// wantKey: the next token in an object is a member name.
		wantKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("malformed json: %w", err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
				continue
			}
			name, _ := tok.(string)
			folded := strings.ToLower(strings.ToUpper(name))
			if top.keys[folded] {
				return fmt.Errorf("malformed json: %w %q", ErrDuplicateKey, truncate(name))
			}
			top.keys[folded] = true
			top.wantKey = false
			continue
		}
		// A value (in an array, an object, or at the top).
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) >= maxJSONDepth {
					return fmt.Errorf("malformed json: nested deeper than %d", maxJSONDepth)
				}
				stack = append(stack, &frame{object: d == '{', keys: map[string]bool{}, wantKey: d == '{'})
				continue
			case ']':
				stack = stack[:len(stack)-1]
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantKey = true
		}
	}
}

// Validate checks every field of a batch.
func (b *Batch) Validate() error {
	if err := CheckKioskID("kiosk_id", b.KioskID); err != nil {
		return err
	}
	if err := checkTime("kiosk_clock", b.KioskClock); err != nil {
		return err
	}
	if b.AuditHead.Seq < 0 {
		return &ValidationError{"audit_head.seq", "negative"}
	}
	if err := checkHash(b.AuditHead.Hash); err != nil {
		return err
	}
	if len(b.Events) > MaxBatchEvents {
		return &ValidationError{"events", fmt.Sprintf("%d events, at most %d", len(b.Events), MaxBatchEvents)}
	}
	seen := make(map[string]bool, len(b.Events))
	for i, e := range b.Events {
		if err := e.validate(); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ve.Field = fmt.Sprintf("events[%d].%s", i, ve.Field)
			}
			return err
		}
		if seen[e.ID] {
			return &ValidationError{fmt.Sprintf("events[%d].id", i), "duplicate in batch"}
		}
		seen[e.ID] = true
	}
	if len(b.Employees) > MaxEmployees {
		return &ValidationError{"employees", "too many"}
	}
	for i, e := range b.Employees {
		if err := checkID(fmt.Sprintf("employees[%d].number", i), e.Number); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("employees[%d].name", i), e.Name, 200); err != nil {
			return err
		}
		for _, f := range [][2]string{{"first_name", e.FirstName}, {"last_name", e.LastName},
			{"payroll.adp_file_number", e.Payroll.ADPFileNumber}, {"payroll.paychex_worker_id", e.Payroll.PaychexWorkerID},
			{"payroll.gusto_id", e.Payroll.GustoID}, {"payroll.quickbooks_name", e.Payroll.QuickBooksName}} {
			if err := checkText(fmt.Sprintf("employees[%d].%s", i, f[0]), f[1], MaxDirectoryField); err != nil {
				return err
			}
		}
		if s := clockface.EmployeeStatus(e.Status); s != clockface.StatusActive && s != clockface.StatusTerminated {
			return &ValidationError{fmt.Sprintf("employees[%d].status", i), fmt.Sprintf("unknown status %q", e.Status)}
		}
	}
	return nil
}

func (e Event) validate() error {
	if err := checkUUID("id", e.ID); err != nil {
		return err
	}
	if e.Seq <= 0 {
		return &ValidationError{"seq", "must be positive"}
	}
	if err := checkTime("at", e.At); err != nil {
		return err
	}
	p := e.Punch
	switch e.Type {
	case TypePunch:
	case TypeCorrection:
		if p.Correction == nil {
			return &ValidationError{"punch.correction", "missing on a correction event"}
		}
	case TypeVoid:
		if p.Void == nil {
			return &ValidationError{"punch.void", "missing on a void event"}
		}
	default:
		return &ValidationError{"type", fmt.Sprintf("unknown event type %q", e.Type)}
	}
	if err := checkUUID("punch.id", p.ID); err != nil {
		return err
	}
	if err := checkID("punch.employee", p.Employee); err != nil {
		return err
	}
	if !clockface.PunchKind(p.Kind).Valid() {
		return &ValidationError{"punch.kind", fmt.Sprintf("unknown kind %q", p.Kind)}
	}
	if !clockface.Method(p.Method).Valid() {
		return &ValidationError{"punch.method", fmt.Sprintf("unknown method %q", p.Method)}
	}
	if err := checkTime("punch.at", p.At); err != nil {
		return err
	}
	if err := CheckKioskID("punch.kiosk_id", p.KioskID); err != nil {
		return err
	}
	ev := p.Evidence
	if ev.Distance < 0 || ev.Distance > 10 || ev.Margin < -10 || ev.Margin > 10 {
		return &ValidationError{"punch.evidence", "score out of range"}
	}
	if err := checkText("punch.evidence.liveness", ev.Liveness, 64); err != nil {
		return err
	}
	if err := checkText("punch.evidence.model", ev.Model, 64); err != nil {
		return err
	}
	if c := p.Correction; c != nil {
		if err := checkTime("punch.correction.at", c.At); err != nil {
			return err
		}
		if err := checkTime("punch.correction.when", c.When); err != nil {
			return err
		}
		if err := checkID("punch.correction.by", c.By); err != nil {
			return err
		}
		if err := checkText("punch.correction.reason", c.Reason, 1000); err != nil {
			return err
		}
	}
	if v := p.Void; v != nil {
		if err := checkTime("punch.void.when", v.When); err != nil {
			return err
		}
		if err := checkID("punch.void.by", v.By); err != nil {
			return err
		}
		if err := checkText("punch.void.reason", v.Reason, 1000); err != nil {
			return err
		}
	}
	return nil
}

func checkUUID(field, s string) error {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 || u == uuid.Nil || s != strings.ToLower(s) {
		return &ValidationError{field, fmt.Sprintf("%q is not a lowercase canonical UUID", truncate(s))}
	}
	return nil
}

// CheckKioskID accepts 1–64 characters of [A-Za-z0-9._-]: a kiosk id is
// also the signature's keyid, so it must be safe inside a quoted string.
func CheckKioskID(field, s string) error {
	if s == "" || len(s) > 64 {
		return &ValidationError{field, "kiosk id must be 1-64 characters"}
	}
	for _, r := range s {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '_' || r == '-'
		if !ok {
			return &ValidationError{field, fmt.Sprintf("kiosk id %q may hold only letters, digits, '.', '_' and '-'", truncate(s))}
		}
	}
	return nil
}

// checkID accepts a short identifier: 1–128 printable characters.
func checkID(field, s string) error {
	if s == "" {
		return &ValidationError{field, "empty"}
	}
	if len(s) > 128 {
		return &ValidationError{field, "longer than 128 bytes"}
	}
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return &ValidationError{field, "contains control or invalid characters"}
		}
	}
	return nil
}

// checkText accepts free text: valid UTF-8, printable, plus tab and
// newlines (a correction reason may have several lines).
func checkText(field, s string, max int) error {
	if len(s) > max {
		return &ValidationError{field, fmt.Sprintf("longer than %d bytes", max)}
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return &ValidationError{field, "contains control or invalid characters"}
		}
	}
	return nil
}

// checkTime accepts times between 2000 and 2200: a zero or absurd time
// is a broken kiosk or a forged request.
func checkTime(field string, t time.Time) error {
	if t.Year() < 2000 || t.Year() > 2200 {
		return &ValidationError{field, fmt.Sprintf("time %s out of range", t.Format(time.RFC3339))}
	}
	return nil
}

func checkHash(s string) error {
	if len(s) > 128 {
		return &ValidationError{"audit_head.hash", "longer than 128 characters"}
	}
	for _, r := range s {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("+/=_-:", r)
		if !ok {
			return &ValidationError{"audit_head.hash", "not a hex or base64 digest"}
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
