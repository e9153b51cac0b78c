package ledger

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"clockface/vault"
)

const metaMasterKeyID = "master_key_id"

// The PIN pepper keys every PIN hash (see hashPIN), so a copy of ledger.db
// without the master key cannot be brute-forced: the four-digit PIN space
// is small, a 256-bit pepper is not. It is HKDF-derived from the master key
// the database was first opened with (info pinPepperInfo). A key rotation
// must not change it (PINs cannot be re-hashed without the PINs), so the
// first rotation stores it in meta, sealed under a data key wrapped by the
// new master key, and later rotations re-wrap that data key.
const (
	pinPepperInfo  = "clockface pin pepper v1"
	metaPINPepper  = "pin_pepper"           // base64(wrapped data key) "." base64(sealed pepper)
	pinPepperOwner = "clockface pin pepper" // the data key's owner label
	pinPepperUse   = "pin pepper"           // its seal purpose
)

// loadPepper returns the PIN pepper for this database under key.
func (l *Ledger) loadPepper(ctx context.Context, key *vault.MasterKey) ([]byte, error) {
	v, err := l.meta(ctx, metaPINPepper)
	if err != nil {
		return nil, err
	}
	if v == "" {
		return key.Secret(pinPepperInfo), nil
	}
	wrapped, sealed, err := splitPepper(v)
	if err != nil {
		return nil, err
	}
	dk, err := key.Unwrap(pinPepperOwner, wrapped)
	if err != nil {
		return nil, fmt.Errorf("PIN pepper: %w", err)
	}
	p, err := dk.Open(pinPepperOwner, pinPepperUse, sealed)
	if err != nil {
		return nil, fmt.Errorf("PIN pepper: %w", err)
	}
	return p, nil
}

func splitPepper(v string) (wrapped, sealed []byte, err error) {
	a, b, ok := strings.Cut(v, ".")
	enc := base64.RawStdEncoding
	if ok {
		if wrapped, err = enc.DecodeString(a); err == nil {
			sealed, err = enc.DecodeString(b)
		}
	}
	if !ok || err != nil {
		return nil, nil, errors.New("PIN pepper in meta is garbled")
	}
	return wrapped, sealed, nil
}

// keepPepper, inside a rotation's transaction, stores the pepper under the
// new key: sealed afresh the first time, re-wrapped after that.
func (l *Ledger) keepPepper(ctx context.Context, tx *sql.Tx, old, nk *vault.MasterKey) error {
	enc := base64.RawStdEncoding
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaPINPepper).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		dk, w, err := nk.NewDataKey(pinPepperOwner)
		if err != nil {
			return err
		}
		ct, err := dk.Seal(pinPepperOwner, pinPepperUse, l.pepper)
		if err != nil {
			return err
		}
		v = enc.EncodeToString(w) + "." + enc.EncodeToString(ct)
	case err != nil:
		return err
	default:
		wrapped, sealed, err := splitPepper(v)
		if err != nil {
			return err
		}
		w, err := old.Rewrap(pinPepperOwner, wrapped, nk)
		if err != nil {
			return fmt.Errorf("re-wrap PIN pepper: %w", err)
		}
		v = enc.EncodeToString(w) + "." + enc.EncodeToString(sealed)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaPINPepper, v)
	return err
}

// resolveKey finds the master key for this database and checks its ID
// against the one stored in meta. With a KeyFile it also finishes a key
// rotation that was interrupted:
//
//  1. RotateKey writes the new key to KEYFILE.next (atomically);
//  2. re-wraps every data key and records the new key's ID, in one
//     transaction;
//  3. renames KEYFILE.next over KEYFILE.
//
// If the database names the key in .next, step 2 committed and step 3 is
// redone; if it names the key in KEYFILE, step 2 never committed and .next
// is removed (nothing was ever sealed under it).
func (l *Ledger) resolveKey(ctx context.Context) (*vault.MasterKey, error) {
	dbID, err := l.meta(ctx, metaMasterKeyID)
	if err != nil {
		return nil, err
	}
	key := l.cfg.Key
	if key == nil {
		if key, err = loadKeyFile(l.cfg.KeyFile, dbID); err != nil {
			return nil, err
		}
	}
	if dbID == "" {
		// First use. Another process may be doing the same: the first ID
		// written wins and the other process sees a wrong key.
		if _, err := l.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, metaMasterKeyID, key.ID()); err != nil {
			return nil, fmt.Errorf("record master key id: %w", err)
		}
		if dbID, err = l.meta(ctx, metaMasterKeyID); err != nil {
			return nil, err
		}
	}
	if key.ID() != dbID {
		return nil, fmt.Errorf("master key %s, database written with %s: %w", key.ID(), dbID, ErrWrongMasterKey)
	}
	return key, nil
}

func loadKeyFile(path, dbID string) (*vault.MasterKey, error) {
	next := path + ".next"
	if dbID == "" {
		// A new database: use the key file, creating it on first use.
		return vault.LoadOrCreateKeyFile(path)
	}
	cur, curErr := vault.LoadKeyFile(path)
	if curErr == nil && cur.ID() == dbID {
		// Any .next is from a rotation that never committed.
		if err := os.Remove(next); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove stale %s: %w", next, err)
		}
		return cur, nil
	}
	nk, nextErr := vault.LoadKeyFile(next)
	if nextErr == nil && nk.ID() == dbID {
		// The re-wrap committed; finish by installing the new key.
		if err := os.Rename(next, path); err != nil {
			return nil, fmt.Errorf("finish key rotation: %w", err)
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("finish key rotation: %w", err)
		}
		return nk, nil
	}
	if curErr != nil {
		return nil, fmt.Errorf("master key for a database written with key %s: %w", dbID, curErr)
	}
	return nil, fmt.Errorf("master key %s in %s, database written with %s: %w", cur.ID(), path, dbID, ErrWrongMasterKey)
}

// MasterKeyID is the ID of the master key the database is sealed under.
func (l *Ledger) MasterKeyID() string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.key.ID()
}

func (l *Ledger) masterKey() *vault.MasterKey {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.key
}

// RotateKey replaces the master key with a new random one: every data key
// is re-wrapped, and the key file is replaced, crash-safely (see
// resolveKey). It needs Config.KeyFile. It returns the new key's ID.
// Writers wait for the rotation; readers keep working throughout (a data
// key is unwrapped with whichever of the old and new keys wrapped it).
// Another process with the ledger open must reopen it afterwards.
func (l *Ledger) RotateKey(ctx context.Context, actor string) (string, error) {
	if l.cfg.KeyFile == "" {
		return "", errors.New("rotate key: no key file configured")
	}
	// Lock order everywhere: wmu, then mu.
	l.wmu.Lock()
	defer l.wmu.Unlock()
	old := l.masterKey()
	nk, err := vault.NewMasterKey()
	if err != nil {
		return "", fmt.Errorf("rotate key: %w", err)
	}
	next := l.cfg.KeyFile + ".next"
	if err := nk.WriteFile(next); err != nil {
		return "", fmt.Errorf("rotate key: %w", err)
	}
	if err := l.hook("next-written"); err != nil {
		return "", err
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		os.Remove(next)
		return "", fmt.Errorf("rotate key: %w", err)
	}
	if err := l.rewrapAll(ctx, tx, old, nk, actor); err != nil {
		tx.Rollback()
		if !errors.Is(err, errHook) {
			os.Remove(next)
		}
		return "", fmt.Errorf("rotate key: %w", err)
	}
	l.mu.Lock()
	err = tx.Commit()
	if err == nil {
		l.prev, l.key = old, nk
	}
	l.mu.Unlock()
	if err != nil {
		// The commit may or may not have reached the disk: leave .next for
		// the next open to decide by the ID the database holds.
		return "", fmt.Errorf("rotate key: commit: %w", err)
	}
	if err := l.hook("committed"); err != nil {
		return "", err
	}
	if err := os.Rename(next, l.cfg.KeyFile); err != nil {
		return "", fmt.Errorf("rotate key: install new key: %w", err)
	}
	if err := syncDir(filepath.Dir(l.cfg.KeyFile)); err != nil {
		return "", fmt.Errorf("rotate key: %w", err)
	}
	return nk.ID(), nil
}

func (l *Ledger) rewrapAll(ctx context.Context, tx *sql.Tx, old, nk *vault.MasterKey, actor string) error {
	rows, err := tx.QueryContext(ctx, `SELECT k.employee_id, e.number, k.wrapped FROM data_keys k JOIN employees e ON e.id = k.employee_id`)
	if err != nil {
		return err
	}
	type row struct {
		id      int64
		number  string
		wrapped []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.number, &r.wrapped); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, r := range all {
		w, err := old.Rewrap(r.number, r.wrapped, nk)
		if err != nil {
			return fmt.Errorf("re-wrap data key of %s: %w", r.number, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET wrapped = ? WHERE employee_id = ?`, w, r.id); err != nil {
			return err
		}
		if i == len(all)/2 {
			if err := l.hook("half-rewrapped"); err != nil {
				return err
			}
		}
	}
	if err := l.keepPepper(ctx, tx, old, nk); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ?`, nk.ID(), metaMasterKeyID); err != nil {
		return err
	}
	return l.audit(ctx, tx, actor, "key.rotate", "", map[string]any{"from": old.ID(), "to": nk.ID(), "data_keys": len(all)})
}

// unwrap opens a wrapped data key with the current master key or, for a
// reader that raced a rotation, the one before it.
func (l *Ledger) unwrap(owner string, wrapped []byte) (vault.DataKey, error) {
	l.mu.RLock()
	key, prev := l.key, l.prev
	l.mu.RUnlock()
	dk, err := key.Unwrap(owner, wrapped)
	if errors.Is(err, vault.ErrWrongKey) && prev != nil {
		return prev.Unwrap(owner, wrapped)
	}
	return dk, err
}

// errHook is what a test hook returns to stop an operation dead, as a crash
// would: no cleanup runs.
var errHook = errors.New("stopped by test hook")

func (l *Ledger) hook(step string) error {
	if l.testHook == nil {
		return nil
	}
	if l.testHook(step) {
		return errHook
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (l *Ledger) meta(ctx context.Context, key string) (string, error) {
	var v string
	err := l.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read meta %s: %w", key, err)
	}
	return v, nil
}

// dataKey returns the employee's data key, creating it if create is set.
func (l *Ledger) dataKey(ctx context.Context, q querier, empID int64, number string, create bool) (vault.DataKey, error) {
	key := l.masterKey()
	var wrapped []byte
	err := q.QueryRowContext(ctx, `SELECT wrapped FROM data_keys WHERE employee_id = ?`, empID).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		if !create {
			return vault.DataKey{}, fmt.Errorf("data key of %s: %w", number, errNoDataKey)
		}
		dk, w, err := key.NewDataKey(number)
		if err != nil {
			return vault.DataKey{}, err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO data_keys (employee_id, wrapped, created_at) VALUES (?, ?, ?)`, empID, w, nanos(l.now())); err != nil {
			return vault.DataKey{}, err
		}
		return dk, nil
	}
	if err != nil {
		return vault.DataKey{}, err
	}
	dk, err := l.unwrap(number, wrapped)
	if err != nil {
		return vault.DataKey{}, fmt.Errorf("data key of %s: %w", number, err)
	}
	return dk, nil
}

var errNoDataKey = errors.New("no data key (erased or never enrolled)")

// querier is what *sql.DB, *sql.Tx and *sql.Conn share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
