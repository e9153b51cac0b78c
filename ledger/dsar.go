package ledger

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"clockface"
	"clockface/internal/atomicfile"
)

// DSAR export layout (all JSON is indented UTF-8):
//
//	profile.json          the employee (never the PIN hash: only whether one is set)
//	consents.json         every consent, with the shown text's version and SHA-256
//	consents/ID-LOCALE-VERSION.txt  the text itself, when Config.ConsentText has it and its SHA-256 matches
//	punches.json          every punch with its evidence, correction history and void
//	templates.json        which templates are held (model, size, dates); never the descriptors
//	snapshots.json        which images are held
//	snapshots/UID.jpg     each image, decrypted
//	audit.json            audit entries about the employee or their punches, other people redacted
//	manifest.json         SHA-256 and size of every other file
const dsarFormat = "clockface-dsar-v1"

// DSARManifest is manifest.json.
type DSARManifest struct {
	Format   string         `json:"format"`
	Employee string         `json:"employee"`
	Created  time.Time      `json:"created"`
	KioskID  string         `json:"kiosk_id"`
	Files    []ManifestFile `json:"files"`
}

// ManifestFile is one file of a DSAR export.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

type dsarConsent struct {
	clockface.Consent
	TextFile string `json:"text_file,omitempty"`
	// TextNote says why the text is missing, when it is.
	TextNote string `json:"text_note,omitempty"`
}

type dsarPunch struct {
	clockface.Punch
	Corrections []CorrectionRecord `json:"corrections,omitempty"`
}

type dsarTemplate struct {
	Model     string    `json:"model"`
	Dim       int       `json:"dim"`
	Bytes     int       `json:"ciphertext_bytes"`
	CreatedAt time.Time `json:"created_at"`
}

type dsarProfile struct {
	clockface.Employee
	HasPIN   bool       `json:"has_pin"`
	ErasedAt *time.Time `json:"erased_at,omitempty"`
}

// ExportDSAR writes everything the ledger holds about one employee to a zip
// file at path (see the layout above), atomically: a temporary file in the
// same folder, fsynced, renamed over path, and the folder fsynced. An export
// writes an audit entry.
func (l *Ledger) ExportDSAR(ctx context.Context, number, path string) error {
	return l.ExportDSARAs(ctx, number, path, "")
}

// ExportDSARAs is ExportDSAR recording actor as who exported.
func (l *Ledger) ExportDSARAs(ctx context.Context, number, path, actor string) error {
	files, err := l.dsarFiles(ctx, number)
	if err != nil {
		return fmt.Errorf("export %s: %w", number, err)
	}
	m := DSARManifest{Format: dsarFormat, Employee: number, Created: l.now(), KioskID: l.cfg.KioskID}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sum := sha256.Sum256(files[n])
		m.Files = append(m.Files, ManifestFile{Name: n, Size: len(files[n]), SHA256: hex.EncodeToString(sum[:])})
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("export %s: %w", number, err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, b []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: m.Created})
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	for _, n := range names {
		if err := add(n, files[n]); err != nil {
			return fmt.Errorf("export %s: %w", number, err)
		}
	}
	if err := add("manifest.json", mb); err != nil {
		return fmt.Errorf("export %s: %w", number, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export %s: %w", number, err)
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("export %s: %w", number, err)
	}
	if err := l.Audit(ctx, actor, "dsar.export", number, map[string]any{"files": len(m.Files) + 1}); err != nil {
		return fmt.Errorf("export %s: %w", number, err)
	}
	return nil
}

func (l *Ledger) dsarFiles(ctx context.Context, number string) (map[string][]byte, error) {
	files := map[string][]byte{}
	putJSON := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		files[name] = append(b, '\n')
		return nil
	}
	e, err := l.Employee(ctx, number)
	if err != nil {
		return nil, err
	}
	prof := dsarProfile{Employee: e}
	var erased *int64
	if err := l.db.QueryRowContext(ctx, `SELECT pin_hash IS NOT NULL, erased_at FROM employees WHERE id = ?`, e.ID).Scan(&prof.HasPIN, &erased); err != nil {
		return nil, err
	}
	if erased != nil {
		t := fromNanos(*erased)
		prof.ErasedAt = &t
	}
	if err := putJSON("profile.json", prof); err != nil {
		return nil, err
	}

	cs, err := l.Consents(ctx, number)
	if err != nil {
		return nil, err
	}
	dcs := make([]dsarConsent, 0, len(cs))
	for _, c := range cs {
		dc := dsarConsent{Consent: c}
		switch text, err := l.consentText(c); {
		case err != nil:
			dc.TextNote = err.Error()
		default:
			dc.TextFile = fmt.Sprintf("consents/%d-%s-%s.txt", c.ID, safeName(c.Locale), safeName(c.TextVersion))
			files[dc.TextFile] = text
		}
		dcs = append(dcs, dc)
	}
	if err := putJSON("consents.json", dcs); err != nil {
		return nil, err
	}

	ps, err := l.EmployeePunches(ctx, number)
	if err != nil {
		return nil, err
	}
	dps := make([]dsarPunch, 0, len(ps))
	punchIDs := make(map[string]bool, len(ps))
	for _, p := range ps {
		dp := dsarPunch{Punch: p}
		if p.Corrected != nil {
			if dp.Corrections, err = l.Corrections(ctx, p.ID); err != nil {
				return nil, err
			}
		}
		punchIDs[p.ID] = true
		dps = append(dps, dp)
	}
	if err := putJSON("punches.json", dps); err != nil {
		return nil, err
	}

	rows, err := l.db.QueryContext(ctx, `SELECT model_name, model_version, dim, length(ciphertext), created_at FROM templates WHERE employee_id = ? ORDER BY id`, e.ID)
	if err != nil {
		return nil, err
	}
	dts := []dsarTemplate{}
	for rows.Next() {
		var t dsarTemplate
		var name, version string
		var at int64
		if err := rows.Scan(&name, &version, &t.Dim, &t.Bytes, &at); err != nil {
			rows.Close()
			return nil, err
		}
		t.Model, t.CreatedAt = name+"/"+version, fromNanos(at)
		dts = append(dts, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := putJSON("templates.json", dts); err != nil {
		return nil, err
	}

	sis, err := l.Snapshots(ctx, number)
	if err != nil {
		return nil, err
	}
	type dsarSnapshot struct {
		SnapshotInfo
		File string `json:"file"`
	}
	dss := make([]dsarSnapshot, 0, len(sis))
	for _, si := range sis {
		_, b, err := l.snapshot(ctx, si.ID)
		if err != nil {
			return nil, err
		}
		name := "snapshots/" + si.UID + ".jpg"
		files[name] = b
		dss = append(dss, dsarSnapshot{SnapshotInfo: si, File: name})
	}
	if err := putJSON("snapshots.json", dss); err != nil {
		return nil, err
	}

	all, err := l.AuditEntries(ctx, "")
	if err != nil {
		return nil, err
	}
	others, err := l.otherPeople(ctx, e)
	if err != nil {
		return nil, err
	}
	about := []dsarAudit{}
	for _, a := range all {
		if a.Subject == number || punchIDs[a.Subject] {
			about = append(about, redactAudit(a, others))
		}
	}
	if err := putJSON("audit.json", about); err != nil {
		return nil, err
	}
	return files, nil
}

func (l *Ledger) consentText(c clockface.Consent) ([]byte, error) {
	if l.cfg.ConsentText == nil {
		return nil, errors.New("consent text not available on this kiosk; text_sha256 identifies it")
	}
	text, err := l.cfg.ConsentText(c.TextVersion, c.Locale)
	if err != nil {
		return nil, fmt.Errorf("consent text %s/%s not available: %v", c.Locale, c.TextVersion, err)
	}
	sum := sha256.Sum256(text)
	if hex.EncodeToString(sum[:]) != c.TextSHA256 {
		return nil, fmt.Errorf("consent text %s/%s on this kiosk does not match the signed text's SHA-256", c.Locale, c.TextVersion)
	}
	return text, nil
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// RedactedText replaces anything in a DSAR's audit entries that identifies or
// describes another person.
const RedactedText = "[another person]"

// dsarAudit is an audit entry as a DSAR shows it. Redacted marks one whose
// actor or detail named someone else: that part is replaced (its hash
// then no longer matches the shown text, which is why it says so).
type dsarAudit struct {
	AuditEntry
	Redacted bool `json:"redacted,omitempty"`
}

// personalDetail lists, per audit action, detail fields that describe the
// relation to another person and go entirely: a duplicate check's
// distance is a comparison with the other person's face.
var personalDetail = map[string][]string{
	"enrol.duplicate": {"distance"},
}

// otherPeople returns the numbers, names and badges of everyone but e,
// except values e shares (their own name is not redacted from their file).
func (l *Ledger) otherPeople(ctx context.Context, e clockface.Employee) ([]string, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT number, name, COALESCE(badge_id, '') FROM employees WHERE id <> ?`, e.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	own := map[string]bool{e.Number: true, e.Name: true, e.BadgeID: true, "": true}
	seen := map[string]bool{}
	var out []string
	for rows.Next() {
		var n, name, badge string
		if err := rows.Scan(&n, &name, &badge); err != nil {
			return nil, err
		}
		for _, v := range []string{n, name, badge} {
			if v = strings.TrimSpace(v); !own[v] && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Longest first, so "Ana Diaz" goes before "Ana".
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, nil
}

// redactAudit removes other people from an entry: the actor, any string
// in the detail that is or contains another person's number, name or badge
// (as a whole word), and the action's personal fields once another person
// appears in it.
func redactAudit(a AuditEntry, others []string) dsarAudit {
	out := dsarAudit{AuditEntry: a}
	if r, changed := redactString(a.Actor, others); changed {
		out.Actor, out.Redacted = r, true
	}
	var detail any
	if err := json.Unmarshal(a.Detail, &detail); err != nil {
		// Not JSON (never written so): withhold it rather than guess.
		out.Detail, out.Redacted = json.RawMessage(`{}`), true
		return out
	}
	detail, changed := redactValue(detail, others)
	if m, ok := detail.(map[string]any); ok && changed {
		for _, f := range personalDetail[a.Action] {
			if _, ok := m[f]; ok {
				m[f] = RedactedText
			}
		}
	}
	if changed {
		b, err := json.Marshal(detail)
		if err != nil {
			b = []byte(`{}`)
		}
		out.Detail, out.Redacted = b, true
	}
	return out
}

func redactValue(v any, others []string) (any, bool) {
	switch v := v.(type) {
	case string:
		return redactString(v, others)
	case map[string]any:
		changed := false
		for k, x := range v {
			r, c := redactValue(x, others)
			v[k] = r
			changed = changed || c
		}
		return v, changed
	case []any:
		changed := false
		for i, x := range v {
			r, c := redactValue(x, others)
			v[i] = r
			changed = changed || c
		}
		return v, changed
	}
	return v, false
}

// redactString replaces each whole-word occurrence of another person's
// identifier in s.
func redactString(s string, others []string) (string, bool) {
	changed := false
	for _, o := range others {
		if !strings.Contains(s, o) {
			continue
		}
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, o)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			before, after := rest[:i], rest[i+len(o):]
			if wordEdge(before, true) && wordEdge(after, false) {
				b.WriteString(before)
				b.WriteString(RedactedText)
				changed = true
			} else {
				b.WriteString(rest[:i+len(o)])
			}
			rest = after
		}
		s = b.String()
	}
	return s, changed
}

// wordEdge says whether the text beside a match ends (before) or starts
// (after) at a word boundary: not a letter or digit.
func wordEdge(side string, before bool) bool {
	if side == "" {
		return true
	}
	var r rune
	if before {
		r, _ = utf8.DecodeLastRuneInString(side)
	} else {
		r, _ = utf8.DecodeRuneInString(side)
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}
