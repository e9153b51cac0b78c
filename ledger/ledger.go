// Package ledger is the kiosk's local store: employees, consents, encrypted
// templates and snapshots, punches, the sync outbox and a hash-chained audit
// log, in one SQLite file (github.com/mattn/go-sqlite3).
//
// The file runs in WAL mode with synchronous=FULL, so a punch is on disk once
// Punch returns; foreign keys are on, and secure_delete zeroes deleted rows.
// The database itself refuses a template without a live consent.
//
// Biometric data (templates, snapshots) is sealed with the employee's data
// key (clockface/vault), wrapped by a master key that lives in a
// file apart from the database. Deleting the wrapped key row shreds every
// ciphertext sealed under it.
//
// Decisions worth knowing:
//   - Consent texts are not stored: a consent row holds the text's version,
//     locale and SHA-256. A DSAR export asks Config.ConsentText for the text
//     and includes it only if its SHA-256 matches what was signed.
//   - A DSAR export lists the templates held (model, size, dates) but not the
//     descriptors themselves; it includes the decrypted images.
//   - Withdrawal and DeleteTemplates delete templates at once; termination
//     does too unless Config.TemplateGrace (at most 7 days) delays it to a
//     purge. Withdrawal also deletes enrolment images.
//   - Erase keeps the employee row, consents and punches (payroll), and
//     destroys templates, images and the data key.
//   - Open refuses a file that is not SQLite, is shorter than its header says,
//     or fails PRAGMA quick_check, without writing to it; quick_check reads the
//     whole file, about 0.1 s for 10,000 enrolled employees.
//   - What the hub sends down (remote.go) is outside input: a status change
//     from the hub is applied as the kiosk's own termination or restriction
//     (audited as "hub:ACTOR"), once, in hub sequence order, never for an
//     employee not held here and never to a terminated one; the other
//     kiosks' last known states only make State take the later of its own
//     and theirs.
package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"clockface"
	"clockface/attendance"
	"clockface/vault"
)

// Defaults and limits.
const (
	DefaultDebounce       = 60 * time.Second
	DefaultImageRetention = 90 * 24 * time.Hour
	MaxImageRetention     = 90 * 24 * time.Hour
	MaxTemplateGrace      = 7 * 24 * time.Hour
	DefaultInactivityCap  = 3 * 365 * 24 * time.Hour
	// DefaultEraseWait bounds how long EraseAndClear waits for other
	// connections' read transactions so the erased bytes can leave the
	// file; a reader open longer than this is reported, not waited out.
	DefaultEraseWait = 30 * time.Second
	busyTimeout      = 5 * time.Second
)

// Config configures a ledger. Path, KioskID and a key (Key or KeyFile) are required;
// zero values elsewhere pick the defaults.
type Config struct {
	// Path is the SQLite file. It is created if missing.
	Path string
	// Key is the master key. If nil, KeyFile is loaded (and created if
	// missing); KeyFile is also what RotateKey rewrites.
	Key     *vault.MasterKey
	KeyFile string
	Clock   clockface.Clock
	// KioskID names this kiosk on punches, consents and audit entries; it
	// is required.
	KioskID string
	// Debounce: a second punch by the same employee within it returns the
	// first and stores nothing. 0 → 60 s; negative disables.
	Debounce time.Duration
	// ImageRetention: snapshots are purged this long after capture.
	// 0 → 90 days; more than 90 days is refused.
	ImageRetention time.Duration
	// TemplateGrace: templates of a terminated employee are kept this long.
	// 0 (default) deletes them in the termination's transaction; more than 7
	// days is refused. Withdrawal and DeleteTemplates are always immediate.
	TemplateGrace time.Duration
	// InactivityCap: templates are purged this long after the employee's last
	// punch (or enrolment, if they never punched). 0 → 3 years.
	InactivityCap time.Duration
	// Breaks makes the walk-up default take a break once per shift: in →
	// break_start → break_end → out. Without it the default is in → out
	// (attendance.NextKinds).
	Breaks bool
	// MaxShift: an in-punch older than this no longer keeps the employee
	// in (State, NextKinds, the walk-up default). 0 →
	// attendance.DefaultMaxShift (16 h); negative is refused.
	MaxShift time.Duration
	// ConsentText returns the consent text shown for a version and locale,
	// for DSAR exports. The ledger stores only the version and the text's
	// SHA-256; an export includes the text when ConsentText returns one whose
	// SHA-256 matches. May be nil.
	ConsentText func(version, locale string) ([]byte, error)
	// NoPurgeAtOpen skips the retention purge Open otherwise runs.
	NoPurgeAtOpen bool
	// EraseWait bounds EraseAndClear's wait for readers. 0 → 30 s;
	// negative is refused.
	EraseWait time.Duration
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	if c.Path == "" {
		return errors.New("config: no database path")
	}
	if c.Key == nil && c.KeyFile == "" {
		return errors.New("config: no master key (set Key or KeyFile)")
	}
	if strings.TrimSpace(c.KioskID) == "" {
		return errors.New("config: no kiosk id")
	}
	if c.Clock == nil {
		c.Clock = clockface.SystemClock{}
	}
	if c.Debounce == 0 {
		c.Debounce = DefaultDebounce
	}
	switch {
	case c.MaxShift < 0:
		return fmt.Errorf("config: negative max shift %s", c.MaxShift)
	case c.MaxShift == 0:
		c.MaxShift = attendance.DefaultMaxShift
	}
	switch {
	case c.ImageRetention < 0:
		return fmt.Errorf("config: negative image retention %s", c.ImageRetention)
	case c.ImageRetention == 0:
		c.ImageRetention = DefaultImageRetention
	case c.ImageRetention > MaxImageRetention:
		return fmt.Errorf("config: image retention %s is over the 90-day maximum", c.ImageRetention)
	}
	switch {
	case c.EraseWait < 0:
		return fmt.Errorf("config: negative erase wait %s", c.EraseWait)
	case c.EraseWait == 0:
		c.EraseWait = DefaultEraseWait
	}
	if c.TemplateGrace < 0 || c.TemplateGrace > MaxTemplateGrace {
		return fmt.Errorf("config: template grace %s is outside 0..7 days", c.TemplateGrace)
	}
	switch {
	case c.InactivityCap < 0:
		return fmt.Errorf("config: negative inactivity cap %s", c.InactivityCap)
	case c.InactivityCap == 0:
		c.InactivityCap = DefaultInactivityCap
	case c.InactivityCap > DefaultInactivityCap:
		return fmt.Errorf("config: inactivity cap %s is over 3 years", c.InactivityCap)
	}
	return nil
}

// ErrCorrupt says the database file is not a readable SQLite database. The
// file is left exactly as it was.
var ErrCorrupt = errors.New("database file is corrupt")

// ErrWrongMasterKey says the master key is not the one the database was
// written with. Nothing has been read, changed or deleted.
var ErrWrongMasterKey = errors.New("master key does not match the database")

// Ledger is an open ledger. It is safe for concurrent use.
type Ledger struct {
	db    *sql.DB
	cfg   Config
	clock clockface.Clock

	mu   sync.RWMutex // guards key and prev (RotateKey swaps them)
	key  *vault.MasterKey
	prev *vault.MasterKey // the key before the last rotation, for racing readers

	// pepper keys PIN hashes; set at open, never changed (see keys.go).
	pepper []byte

	// wmu queues this process's writers in Go, so they wait for each other
	// without SQLite's busy-handler sleeps; busy_timeout still covers other
	// processes.
	wmu sync.Mutex

	// testHook, set only by tests, stops an operation at a named step as a
	// crash would.
	testHook func(step string) bool
}

// Open opens (creating if needed) the ledger at cfg.Path, migrates its
// schema, checks the pragmas and the master key, finishes an interrupted key
// rotation, and runs a retention purge.
func Open(ctx context.Context, cfg Config) (*Ledger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	if err := precheckFile(cfg.Path); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	// Create a new file owner-only; SQLite gives -wal and -shm the same mode.
	if f, err := os.OpenFile(cfg.Path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	db := sql.OpenDB(connector{dsn: dsn(cfg.Path), drv: &sqlite3.SQLiteDriver{}})
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	l := &Ledger{db: db, cfg: cfg, clock: cfg.Clock}
	if err := l.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	return l, nil
}

func (l *Ledger) init(ctx context.Context) error {
	if err := quickCheck(ctx, l.db, l.cfg.Path); err != nil {
		return err
	}
	if err := checkPragmas(ctx, l.db); err != nil {
		return err
	}
	if err := migrate(ctx, l.db); err != nil {
		return err
	}
	key, err := l.resolveKey(ctx)
	if err != nil {
		return err
	}
	l.key = key
	if l.pepper, err = l.loadPepper(ctx, key); err != nil {
		return err
	}
	if !l.cfg.NoPurgeAtOpen {
		if _, err := l.Purge(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (l *Ledger) Close() error {
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("close ledger: %w", err)
	}
	return nil
}

// DB exposes the underlying handle, for tests and tools that inspect the
// file; callers must not write through it.
func (l *Ledger) DB() *sql.DB { return l.db }

// Checkpoint copies the WAL into the database file and truncates the WAL to
// zero bytes, so deleted pages no longer linger in it.
func (l *Ledger) Checkpoint(ctx context.Context) error {
	var busy, logPages, done int
	if err := l.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return errors.New("checkpoint: database busy, WAL not truncated")
	}
	return nil
}

// flushDeleted checkpoints after biometric data was deleted, so the old
// pages do not linger in the WAL until the next automatic checkpoint. It is
// best effort: with a reader in the way SQLite's own checkpoints catch up,
// and Checkpoint reports the error to callers who need certainty.
func (l *Ledger) flushDeleted(ctx context.Context) {
	l.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
}

func dsn(path string) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "FULL")
	v.Set("_foreign_keys", "1")
	v.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	v.Set("_secure_delete", "1")
	v.Set("_txlock", "immediate")
	return "file:" + escapePath(path) + "?" + v.Encode()
}

func escapePath(p string) string {
	// A file: URI: '?' and '#' would start the query or fragment.
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(p)
}

// connector opens connections without registering a driver name globally.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// checkPragmas verifies that every pragma the DSN asked for took effect on
// a connection from the pool.
func checkPragmas(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	checks := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"secure_delete", "1"},
		{"busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
	}
	for _, c := range checks {
		var got string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			return fmt.Errorf("check pragma %s: %w", c.pragma, err)
		}
		if strings.ToLower(got) != c.want {
			return fmt.Errorf("check pragma %s: got %q, want %q", c.pragma, got, c.want)
		}
	}
	return nil
}

const sqliteHeader = "SQLite format 3\x00"

// precheckFile refuses, without opening it with SQLite (which could write
// to it), a file that is not a SQLite database or is shorter than its header
// says.
func precheckFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		// SQLite treats an empty file as a new database; only accept it if
		// there is no WAL that would belong to a lost main file.
		if wst, err := os.Stat(path + "-wal"); err == nil && wst.Size() > 0 {
			return fmt.Errorf("%s is empty but has a WAL: %w", path, ErrCorrupt)
		}
		return nil
	}
	head := make([]byte, 100)
	if _, err := f.ReadAt(head, 0); err != nil {
		return fmt.Errorf("%s: header unreadable (%v): %w", path, err, ErrCorrupt)
	}
	if string(head[:16]) != sqliteHeader {
		return fmt.Errorf("%s is not a SQLite database: %w", path, ErrCorrupt)
	}
	pageSize := int64(head[16])<<8 | int64(head[17])
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("%s: bad page size %d: %w", path, pageSize, ErrCorrupt)
	}
	// With a non-empty WAL the header may lag; quick_check covers that case.
	if wst, err := os.Stat(path + "-wal"); err == nil && wst.Size() > 0 {
		return nil
	}
	pages := be32(head[28:])
	if pages > 0 && be32(head[24:]) == be32(head[92:]) && int64(pages)*pageSize > st.Size() {
		return fmt.Errorf("%s is truncated: %d bytes, header says %d pages of %d: %w",
			path, st.Size(), pages, pageSize, ErrCorrupt)
	}
	if st.Size()%pageSize != 0 {
		return fmt.Errorf("%s: size %d is not a multiple of the page size %d: %w", path, st.Size(), pageSize, ErrCorrupt)
	}
	return nil
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// quickCheck runs PRAGMA quick_check, so damage anywhere in the file is
// reported at open instead of at some later punch.
func quickCheck(ctx context.Context, db *sql.DB, path string) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		if isCorrupt(err) {
			return fmt.Errorf("%s: %v: %w", path, err, ErrCorrupt)
		}
		return err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		msgs = append(msgs, s)
	}
	if err := rows.Err(); err != nil {
		if isCorrupt(err) {
			return fmt.Errorf("%s: %v: %w", path, err, ErrCorrupt)
		}
		return err
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		if len(msgs) > 3 {
			msgs = append(msgs[:3], "...")
		}
		return fmt.Errorf("%s: quick_check: %s: %w", path, strings.Join(msgs, "; "), ErrCorrupt)
	}
	return nil
}

func isCorrupt(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB
	}
	return false
}

// isBusy says SQLite refused a lock another connection holds.
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// now is the ledger clock's time in UTC.
func (l *Ledger) now() time.Time { return l.clock.Now().UTC() }

func nanos(t time.Time) int64 { return t.UTC().UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func nullTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

// tx runs f in an immediate transaction and commits it. Calls must not
// nest.
func (l *Ledger) tx(ctx context.Context, f func(*sql.Tx) error) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
