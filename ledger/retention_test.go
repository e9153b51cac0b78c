package ledger_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"clockface"
	"clockface/ledger"
)

const day = 24 * time.Hour

func count(t testing.TB, l *ledger.Ledger, q string, args ...any) int {
	t.Helper()
	var n int
	if err := l.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func lastAudit(t testing.TB, l *ledger.Ledger) ledger.AuditEntry {
	t.Helper()
	es, err := l.AuditEntries(context.Background(), "")
	if err != nil || len(es) == 0 {
		t.Fatalf("audit: %v", err)
	}
	return es[len(es)-1]
}

// Promise 5: images go 90 days after capture; a test runs 91 days in a
// millisecond.
func TestPurgeImagesAfterRetention(t *testing.T) {
	tests := []struct {
		name      string
		retention time.Duration
	}{
		{"default 90 days", 0},
		{"configured 30 days", 30 * day},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t, func(c *ledger.Config) { c.ImageRetention = tc.retention })
			keep := tc.retention
			if keep == 0 {
				keep = 90 * day
			}
			addEmployee(t, l, "A", "")
			old, err := l.SaveSnapshot(ctx, "A", []byte("old jpeg"), ledger.SnapshotPunch)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Add(10 * day)
			young, err := l.SaveSnapshot(ctx, "A", []byte("young jpeg"), ledger.SnapshotEnrol)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Add(keep - 10*day - time.Second)
			r, err := l.Purge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r.Snapshots != 0 {
				t.Errorf("a second before the limit: purged %d, want 0", r.Snapshots)
			}
			e.clock.Add(time.Second)
			r, err = l.Purge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r.Snapshots != 1 {
				t.Errorf("at the limit: purged %d, want 1", r.Snapshots)
			}
			a := lastAudit(t, l)
			var got ledger.PurgeReport
			json.Unmarshal(a.Detail, &got)
			if a.Action != "retention.purge" || got.Snapshots != 1 {
				t.Errorf("audit %s %s, want retention.purge with 1 snapshot", a.Action, a.Detail)
			}
			if _, err := l.Snapshot(ctx, old, "tester"); !errors.Is(err, clockface.ErrNotFound) {
				t.Errorf("old snapshot: got %v, want ErrNotFound", err)
			}
			if b, err := l.Snapshot(ctx, young, "tester"); err != nil || string(b) != "young jpeg" {
				t.Errorf("young snapshot: %q, %v", b, err)
			}
			// Open purges too: 11 days on the young one is due.
			l.Close()
			e.clock.Add(11 * day)
			l = e.open(t, func(c *ledger.Config) { c.ImageRetention = tc.retention })
			if n := count(t, l, `SELECT count(*) FROM snapshots`); n != 0 {
				t.Errorf("%d snapshots after open past retention, want 0", n)
			}
			// Nothing sealed under A's data key remains: it is destroyed.
			if n := count(t, l, `SELECT count(*) FROM data_keys`); n != 0 {
				t.Errorf("%d data keys with nothing left to open, want 0", n)
			}
		})
	}
}

func TestTemplatesDeletedAtTermination(t *testing.T) {
	tests := []struct {
		name  string
		grace time.Duration
	}{
		{"immediately by default", 0},
		{"after a 7-day grace", 7 * day},
		{"after a 1-day grace", day},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t, func(c *ledger.Config) { c.TemplateGrace = tc.grace })
			addEmployee(t, l, "A", "")
			enrol(t, l, "A", 1)
			if err := l.Terminate(ctx, "A", "hr"); err != nil {
				t.Fatal(err)
			}
			if tc.grace > 0 {
				if ts, _ := l.Templates(ctx, testModel); len(ts) != 0 {
					t.Error("a terminated employee's template is offered for matching")
				}
				e.clock.Add(tc.grace - time.Second)
				l.Purge(ctx)
				if n := count(t, l, `SELECT count(*) FROM templates`); n != 1 {
					t.Errorf("within the grace: %d templates, want 1", n)
				}
				e.clock.Add(time.Second)
				r, err := l.Purge(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if r.Templates != 1 {
					t.Errorf("purge report %+v, want 1 template", r)
				}
			}
			if n := count(t, l, `SELECT count(*) FROM templates`); n != 0 {
				t.Errorf("%d templates after termination, want 0", n)
			}
			if err := l.Terminate(ctx, "A", "hr"); !errors.Is(err, clockface.ErrTerminated) {
				t.Errorf("second termination: %v", err)
			}
		})
	}
}

// Templates go 3 years after the last punch (BIPA).
func TestTemplatesPurgedAfterInactivity(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "")
	addEmployee(t, l, "B", "")
	enrol(t, l, "A", 1)
	enrol(t, l, "B", 2)
	e.clock.Add(100 * day)
	if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN}); err != nil {
		t.Fatal(err)
	}
	// B never punched: their clock runs from enrolment; A's from the punch.
	e.clock.Add(3*365*day - 100*day)
	r, err := l.Purge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Templates != 1 {
		t.Errorf("purged %d templates, want B's", r.Templates)
	}
	if _, err := l.Template(ctx, "A", testModel); err != nil {
		t.Errorf("A's template: %v", err)
	}
	if _, err := l.Template(ctx, "B", testModel); !errors.Is(err, clockface.ErrNotFound) {
		t.Errorf("B's template: %v, want ErrNotFound", err)
	}
	e.clock.Add(100 * day)
	if r, _ := l.Purge(ctx); r.Templates != 1 {
		t.Errorf("3 years after A's punch: purged %d, want 1", r.Templates)
	}
}

// Promise 10: erasure removes biometrics and images; punches, totals and
// exports stay correct.
func TestEraseKeepsPunches(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "1234")
	enrol(t, l, "A", 1)
	start := e.clock.Now()
	var ids []string
	for i := 0; i < 4; i++ {
		sid, err := l.SaveSnapshot(ctx, "A", []byte("jpeg"), ledger.SnapshotPunch)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodFace,
			Evidence: clockface.Evidence{Distance: 0.3, SnapshotID: sid, Liveness: "pass"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		e.clock.Add(4 * time.Hour)
	}
	before, _ := l.Punches(ctx, start, e.clock.Now())
	if err := l.Erase(ctx, "A", "dpo"); err != nil {
		t.Fatal(err)
	}
	after, _ := l.Punches(ctx, start, e.clock.Now())
	if len(after) != 4 || len(before) != 4 {
		t.Fatalf("punches before %d, after %d; want 4 and 4", len(before), len(after))
	}
	for i := range after {
		if after[i].ID != ids[i] || !after[i].At.Equal(before[i].At) || after[i].Kind != before[i].Kind {
			t.Errorf("punch %d changed by erasure", i)
		}
	}
	for table, q := range map[string]string{
		"templates": `SELECT count(*) FROM templates`,
		"snapshots": `SELECT count(*) FROM snapshots`,
		"data keys": `SELECT count(*) FROM data_keys`,
		"consents":  `SELECT count(*) FROM consents WHERE withdrawn_at IS NULL`,
	} {
		if n := count(t, l, q); n != 0 {
			t.Errorf("%d %s after erasure, want 0", n, table)
		}
	}
	if emp, err := l.Employee(ctx, "A"); err != nil || emp.HasFace {
		t.Errorf("employee after erasure: %+v, %v", emp, err)
	}
	// PIN punches still work; the export still works.
	e.clock.Add(time.Hour)
	if _, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: "A", Method: clockface.MethodPIN}); err != nil {
		t.Errorf("PIN punch after erasure: %v", err)
	}
	if err := l.ExportDSAR(ctx, "A", e.dir+"/a.zip"); err != nil {
		t.Errorf("export after erasure: %v", err)
	}
	if a := lastAudit(t, l); a.Action != "dsar.export" {
		t.Errorf("last audit %s", a.Action)
	}
	if err := l.Erase(ctx, "nobody", "dpo"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Errorf("erase unknown: %v", err)
	}
}

// Promise 6: after erasure or purge and a checkpoint, no byte of the
// deleted ciphertexts or of the wrapped data key is left in the .db, -wal or
// -shm files.
//
// The rows are never checkpointed before the deletion, so their bytes sit
// in WAL frames the deletion does not overwrite. Without a reader, the
// deletion's own checkpoint (flushDeleted) must leave nothing behind. With a
// reader in the way that checkpoint cannot finish, the residue is still in
// the WAL, and Checkpoint (TRUNCATE, not PASSIVE: PASSIVE leaves the frames
// in the file) must remove it.
func TestDeletionLeavesNoRecoverableBytes(t *testing.T) {
	for _, how := range []string{"erase", "purge"} {
		for _, reader := range []bool{false, true} {
			name := how
			if reader {
				name += " with a reader"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				deletionLeavesNoRecoverableBytes(t, how, reader)
			})
		}
	}
}

func deletionLeavesNoRecoverableBytes(t *testing.T, how string, reader bool) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	for _, n := range []string{"GONE", "KEEP"} {
		addEmployee(t, l, n, "")
		enrol(t, l, n, 1)
	}
	marker := bytes.Repeat([]byte("MARKER-JPEG-GONE-"), 2000) // 34 KB: overflow pages
	small := []byte("MARKER-SMALL-GONE")                      // fits in a page
	for _, img := range [][]byte{marker, small} {
		if _, err := l.SaveSnapshot(ctx, "GONE", img, ledger.SnapshotPunch); err != nil {
			t.Fatal(err)
		}
	}
	keepImg := bytes.Repeat([]byte("KEEP-JPEG-"), 3000)
	if _, err := l.SaveSnapshot(ctx, "KEEP", keepImg, ledger.SnapshotPunch); err != nil {
		t.Fatal(err)
	}
	// Capture what is stored (ciphertext, wrapped key) before deletion.
	var gone, kept [][]byte
	for _, q := range []string{
		`SELECT s.ciphertext FROM snapshots s JOIN employees e ON e.id = s.employee_id WHERE e.number = ?`,
		`SELECT t.ciphertext FROM templates t JOIN employees e ON e.id = t.employee_id WHERE e.number = ?`,
		`SELECT k.wrapped FROM data_keys k JOIN employees e ON e.id = k.employee_id WHERE e.number = ?`,
	} {
		gone = append(gone, blobs(t, l, q, "GONE")...)
		kept = append(kept, blobs(t, l, q, "KEEP")...)
	}
	if len(gone) != 4 || len(kept) != 3 {
		t.Fatalf("captured %d and %d blobs, want 4 and 3", len(gone), len(kept))
	}
	// No checkpoint yet: every stored blob is in the WAL, which is what
	// the deletion has to clean up.
	for i, b := range gone {
		if !foundIn(t, e.path+"-wal", b) {
			t.Fatalf("blob %d is not in the WAL before deletion: the test would not exercise WAL residue", i)
		}
	}
	var hold *sql.Rows
	startReader := func() {
		if !reader {
			return
		}
		var err error
		// An unfinished statement keeps a read transaction open, which
		// stops a TRUNCATE checkpoint from completing.
		if hold, err = l.DB().QueryContext(ctx, `SELECT number FROM employees`); err != nil {
			t.Fatal(err)
		}
		if !hold.Next() {
			t.Fatal("reader: no row")
		}
	}
	switch how {
	case "erase":
		startReader()
		if err := l.Erase(ctx, "GONE", "dpo"); err != nil {
			t.Fatal(err)
		}
	case "purge":
		// Images age out; the template goes with the employee.
		if err := l.Terminate(ctx, "GONE", "hr"); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(90 * day)
		// KEEP's image (kept[0]) ages out too; its template stays.
		kept = kept[1:]
		startReader()
		r, err := l.Purge(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Snapshots != 3 || r.DataKeys != 1 {
			t.Fatalf("purge report %+v, want 3 snapshots and GONE's key", r)
		}
	}
	if reader {
		hold.Close()
		// The deletion's checkpoint could not finish: the residue is
		// still there, and only Checkpoint below removes it.
		if !found(t, e.path, gone[0]) {
			t.Fatal("no residue although a reader blocked the deletion's checkpoint: the test would not exercise Checkpoint")
		}
	} else {
		for i, b := range gone {
			if found(t, e.path, b) {
				t.Errorf("deleted blob %d (%d bytes) still recoverable right after %s, before Checkpoint", i, len(b), how)
			}
		}
	}
	if err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for i, b := range gone {
		if found(t, e.path, b) {
			t.Errorf("deleted blob %d (%d bytes) still recoverable after Checkpoint", i, len(b))
		}
	}
	for _, m := range [][]byte{marker[:64], small} {
		if found(t, e.path, m) {
			t.Errorf("plaintext marker %q found", m[:16])
		}
	}
	for i, b := range kept {
		if !found(t, e.path, b) {
			t.Errorf("kept blob %d not found: the scan is blind", i)
		}
	}
	if _, err := l.Template(ctx, "KEEP", testModel); err != nil {
		t.Errorf("KEEP's template: %v", err)
	}
}

func blobs(t testing.TB, l *ledger.Ledger, q, number string) [][]byte {
	t.Helper()
	rows, err := l.DB().Query(q, number)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// found reports whether any 24-byte window of b, taken every 24 bytes (so
// a fragment on any page is caught), occurs in the database, WAL or
// shared-memory file.
func found(t testing.TB, dbPath string, b []byte) bool {
	t.Helper()
	return foundIn(t, dbPath, b) || foundIn(t, dbPath+"-wal", b) || foundIn(t, dbPath+"-shm", b)
}

// foundIn is found for one file.
func foundIn(t testing.TB, path string, b []byte) bool {
	t.Helper()
	c, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	files := [][]byte{c}
	const w = 24
	for off := 0; off+w <= len(b); off += w {
		for _, c := range files {
			if bytes.Contains(c, b[off:off+w]) {
				return true
			}
		}
	}
	return false
}

// A backlog bigger than one purge batch is purged completely, oldest
// first, and nothing younger than the limit goes.
func TestPurgeLargeBacklogInBatches(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	emp := addEmployee(t, l, "A", "")
	old := e.clock.Now().UnixNano()
	const n = 1201
	if _, err := l.DB().Exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
		INSERT INTO snapshots (uid, employee_id, purpose, captured_at, ciphertext)
		SELECT 'old-' || i, ?, 'punch', ? + i, randomblob(64) FROM s`, n, emp.ID, old); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(50 * day)
	young, err := l.SaveSnapshot(ctx, "A", []byte("young"), ledger.SnapshotPunch)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(41 * day)
	r, err := l.Purge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Snapshots != n {
		t.Errorf("purged %d, want %d", r.Snapshots, n)
	}
	if got := count(t, l, `SELECT count(*) FROM snapshots`); got != 1 {
		t.Errorf("%d snapshots left, want 1", got)
	}
	if _, err := l.Snapshot(ctx, young, "tester"); err != nil {
		t.Errorf("young snapshot: %v", err)
	}
}

// TestEraseAndClearWaitsForReader: with another connection in a read
// transaction, EraseAndClear waits for it (bounded by Config.EraseWait)
// and reports truthfully whether the erased bytes have left the file.
func TestEraseAndClearWaitsForReader(t *testing.T) {
	for _, released := range []bool{true, false} {
		name := "reader ends during the wait"
		if !released {
			name = "reader outlasts the wait"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			l := e.open(t, func(c *ledger.Config) { c.EraseWait = time.Second })
			for _, n := range []string{"GONE", "KEEP"} {
				addEmployee(t, l, n, "")
				enrol(t, l, n, 1)
			}
			if _, err := l.SaveSnapshot(ctx, "GONE", bytes.Repeat([]byte("MARKER-GONE-"), 500), ledger.SnapshotPunch); err != nil {
				t.Fatal(err)
			}
			var gone [][]byte
			for _, q := range []string{
				`SELECT s.ciphertext FROM snapshots s JOIN employees e ON e.id = s.employee_id WHERE e.number = ?`,
				`SELECT t.ciphertext FROM templates t JOIN employees e ON e.id = t.employee_id WHERE e.number = ?`,
				`SELECT k.wrapped FROM data_keys k JOIN employees e ON e.id = k.employee_id WHERE e.number = ?`,
			} {
				gone = append(gone, blobs(t, l, q, "GONE")...)
			}
			// A second, independent connection (as another process would
			// have) in a read transaction on the snapshot before the erasure.
			other, err := sql.Open("sqlite3", "file:"+e.path+"?_busy_timeout=5000")
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			rtx, err := other.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer rtx.Rollback()
			var n int
			if err := rtx.QueryRow(`SELECT count(*) FROM templates`).Scan(&n); err != nil || n != 2 {
				t.Fatalf("reader: %d templates, %v", n, err)
			}
			busy := 0
			ledger.SetTestHook(l, func(step string) bool {
				if step == "checkpoint-busy" {
					busy++
					if released && busy == 1 {
						rtx.Rollback()
					}
				}
				return false
			})
			r, err := l.EraseAndClear(ctx, "GONE", "dpo")
			if err != nil {
				t.Fatal(err)
			}
			if busy == 0 {
				t.Fatal("the checkpoint was never busy: the reader did not hold an old snapshot")
			}
			if !r.Erased || r.BytesCleared != released || r.Report.Templates != 1 || r.Report.DataKeys != 1 {
				t.Fatalf("got %+v, want erased with BytesCleared %v", r, released)
			}
			residue := 0
			for _, b := range gone {
				if found(t, e.path, b) {
					residue++
				}
			}
			if released && residue > 0 {
				t.Errorf("BytesCleared but %d erased blobs still in the file", residue)
			}
			if !released {
				if residue == 0 {
					t.Error("BytesCleared false but no residue: the report is not truthful")
				}
				rtx.Rollback()
				if err := l.Checkpoint(ctx); err != nil {
					t.Fatal(err)
				}
				for i, b := range gone {
					if found(t, e.path, b) {
						t.Errorf("blob %d still in the file after the reader left and Checkpoint ran", i)
					}
				}
			}
			if _, err := l.Template(ctx, "KEEP", testModel); err != nil {
				t.Errorf("KEEP's template: %v", err)
			}
		})
	}
}
