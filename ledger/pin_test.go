package ledger_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"clockface"
	"clockface/internal/clocktest"
	"clockface/ledger"
)

// Environment of a PIN helper process (see TestHelperProcess).
const (
	envHelper = "CLOCKFACE_PIN_HELPER"
	envLedger = "CLOCKFACE_PIN_HELPER_LEDGER"
	envKey    = "CLOCKFACE_PIN_HELPER_KEY"
	envNow    = "CLOCKFACE_PIN_HELPER_NOW" // Unix nanoseconds: the helper's fixed clock
	envPIN    = "CLOCKFACE_PIN_HELPER_PIN"
)

// TestHelperProcess is one `punch` process of TestPINLockoutRace: it opens
// the ledger, says "ready", waits for a line on stdin, checks one PIN for
// E1 and prints ok, bad, locked or the error.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		return
	}
	ns, _ := strconv.ParseInt(os.Getenv(envNow), 10, 64)
	ctx := context.Background()
	l, err := ledger.Open(ctx, ledger.Config{Path: os.Getenv(envLedger), KeyFile: os.Getenv(envKey),
		Clock: clocktest.New(time.Unix(0, ns).UTC()), KioskID: "kiosk-1", NoPurgeAtOpen: true})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(0)
	}
	defer l.Close()
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	err = l.CheckPIN(ctx, "E1", os.Getenv(envPIN))
	var le *clockface.LockedError
	switch {
	case err == nil:
		fmt.Println("ok")
	case errors.Is(err, clockface.ErrBadPIN):
		fmt.Println("bad")
	case errors.As(err, &le):
		fmt.Println("locked")
	default:
		fmt.Println("error:", err)
	}
	l.Close()
	os.Exit(0)
}

// TestPINLockoutRace: 20 processes check E1's PIN at once, 19 wrong and 1
// right, in several rounds. At most 3 wrong PINs are ever verified before
// the lock engages, and the right PIN is never accepted once 3 wrong ones
// have been turned down.
func TestPINLockoutRace(t *testing.T) {
	const (
		procs  = 20
		rounds = 4
		right  = "2468"
	)
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "E1", right)
	for round := 0; round < rounds; round++ {
		if err := l.ResetFailures(ctx, "E1"); err != nil {
			t.Fatal(err)
		}
		start, _, err := l.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type proc struct {
			cmd   *exec.Cmd
			stdin io.WriteCloser
			out   *bufio.Reader
			pin   string
		}
		ps := make([]proc, procs)
		for i := range ps {
			pin := fmt.Sprintf("%04d", 1000+i) // never 2468
			if i == (round*7)%procs {
				pin = right
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), envHelper+"=1", envLedger+"="+e.path, envKey+"="+e.key,
				envNow+"="+strconv.FormatInt(e.clock.Now().UnixNano(), 10), envPIN+"="+pin)
			cmd.Stderr = os.Stderr
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ps[i] = proc{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout), pin: pin}
		}
		for i, p := range ps {
			if line, err := p.out.ReadString('\n'); strings.TrimSpace(line) != "ready" {
				t.Fatalf("round %d, process %d: got %q %v, want ready", round, i, line, err)
			}
		}
		for _, p := range ps { // the starting gun: every process is waiting on this line
			io.WriteString(p.stdin, "go\n")
			p.stdin.Close()
		}
		outcome := map[string]int{}
		rightOutcome := ""
		for i, p := range ps {
			line, _ := p.out.ReadString('\n')
			line = strings.TrimSpace(line)
			if err := p.cmd.Wait(); err != nil {
				t.Fatalf("round %d, process %d: %v", round, i, err)
			}
			switch {
			case line == "ok" && p.pin != right:
				t.Fatalf("round %d: wrong PIN %s accepted", round, p.pin)
			case line == "bad" && p.pin == right:
				t.Fatalf("round %d: right PIN refused as wrong", round)
			case line != "ok" && line != "bad" && line != "locked":
				t.Fatalf("round %d, process %d: %s", round, i, line)
			}
			outcome[line]++
			if p.pin == right {
				rightOutcome = line
			}
		}
		t.Logf("round %d: %v (right PIN: %s)", round, outcome, rightOutcome)
		if max := 3 * (outcome["ok"] + 1); outcome["bad"] > max {
			t.Errorf("round %d: %d wrong PINs verified, want at most %d", round, outcome["bad"], max)
		}
		// The audit log orders the outcomes as the ledger settled them.
		entries, err := l.AuditEntries(ctx, "E1")
		if err != nil {
			t.Fatal(err)
		}
		streak, fails := 0, 0
		for _, a := range entries {
			if a.Seq <= start {
				continue
			}
			switch a.Action {
			case "pin.fail":
				streak++
				fails++
				if streak > 3 {
					t.Errorf("round %d: wrong PIN number %d in a row verified (audit entry %d), want the lock after 3", round, streak, a.Seq)
				}
			case "pin.ok":
				if streak >= 3 {
					t.Errorf("round %d: right PIN accepted after %d wrong ones (audit entry %d)", round, streak, a.Seq)
				}
				streak = 0
			}
		}
		if fails != outcome["bad"] {
			t.Errorf("round %d: %d pin.fail audit entries, %d wrong PINs verified", round, fails, outcome["bad"])
		}
		// Unless the right PIN took the last allowed attempt (which clears
		// the count), 19 wrong ones leave E1 locked.
		var le *clockface.LockedError
		if err := l.Lockout(ctx, "E1"); rightOutcome != "ok" && !errors.As(err, &le) {
			t.Errorf("round %d: after 19 wrong PINs got %v, want locked", round, err)
		}
	}
}

// TestPINRightAfterTwoWrong: the right PIN as the third attempt in a row,
// the last one allowed, is accepted and clears the count.
func TestPINRightAfterTwoWrong(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "2468")
	for i := 0; i < 2; i++ {
		if err := l.CheckPIN(ctx, "A", "0000"); !errors.Is(err, clockface.ErrBadPIN) {
			t.Fatalf("wrong PIN %d: got %v, want ErrBadPIN", i+1, err)
		}
	}
	if err := l.CheckPIN(ctx, "A", "2468"); err != nil {
		t.Fatalf("right PIN as the third attempt: got %v, want accepted", err)
	}
	if err := l.Lockout(ctx, "A"); err != nil {
		t.Errorf("locked after the right PIN: %v", err)
	}
}

func TestHRPIN(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	if err := l.CheckHRPIN(ctx, "9999"); !errors.Is(err, clockface.ErrBadPIN) {
		t.Errorf("no HR PIN set: got %v, want ErrBadPIN", err)
	}
	if err := l.SetHRPIN(ctx, "12", "admin"); err == nil {
		t.Error("a 2-digit HR PIN was accepted")
	}
	if err := l.SetHRPIN(ctx, "9999", "admin"); err != nil {
		t.Fatal(err)
	}
	if ok, err := l.HasHRPIN(ctx); !ok || err != nil {
		t.Errorf("HasHRPIN: got %v %v, want true", ok, err)
	}
	var stored string
	if err := l.DB().QueryRow(`SELECT value FROM meta WHERE key = 'hr_pin_hash'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "$argon2id-pepper1$") || strings.Contains(stored, "9999") {
		t.Errorf("stored HR PIN %q, want a keyed argon2id hash", stored)
	}
	if err := l.CheckHRPIN(ctx, "9999"); err != nil {
		t.Fatalf("right HR PIN: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := l.CheckHRPIN(ctx, "1234"); !errors.Is(err, clockface.ErrBadPIN) {
			t.Fatalf("wrong HR PIN %d: got %v, want ErrBadPIN", i+1, err)
		}
	}
	var le *clockface.LockedError
	if err := l.CheckHRPIN(ctx, "9999"); !errors.As(err, &le) || le.Employee != ledger.HRPINName || !le.Until.Equal(e.clock.Now().Add(30*time.Second)) {
		t.Fatalf("right HR PIN after 3 wrong: got %v, want LockedError for 30 s", err)
	}
	e.clock.Add(30 * time.Second)
	if err := l.CheckHRPIN(ctx, "1234"); !errors.Is(err, clockface.ErrBadPIN) {
		t.Fatalf("wrong HR PIN after the lock: got %v, want ErrBadPIN", err)
	}
	if err := l.CheckHRPIN(ctx, "9999"); !errors.As(err, &le) || !le.Until.Equal(e.clock.Now().Add(60*time.Second)) {
		t.Fatalf("after a 4th failure: got %v, want locked for 60 s", err)
	}
	e.clock.Add(60 * time.Second)
	if err := l.CheckHRPIN(ctx, "9999"); err != nil {
		t.Fatalf("right HR PIN once the lock ends: %v", err)
	}
	entries, err := l.AuditEntries(ctx, "hr")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range entries {
		got = append(got, a.Action)
	}
	want := []string{"hr_pin.fail", "hr_pin.set", "hr_pin.ok", "hr_pin.fail", "hr_pin.fail", "hr_pin.fail",
		"hr_pin.locked", "hr_pin.fail", "hr_pin.locked", "hr_pin.ok"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("HR PIN audit:\n got %v\nwant %v", got, want)
	}
	if err := l.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
	if err := l.SetHRPIN(ctx, "", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckHRPIN(ctx, "9999"); !errors.Is(err, clockface.ErrBadPIN) {
		t.Errorf("removed HR PIN: got %v, want ErrBadPIN", err)
	}
}

// phc splits a stored PIN hash into its parts.
func phc(t *testing.T, encoded string) (salt, sum []byte, m, tm uint32, p uint8) {
	t.Helper()
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 {
		t.Fatalf("PIN hash %q: not PHC", encoded)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &tm, &p); err != nil {
		t.Fatal(err)
	}
	var err error
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		t.Fatal(err)
	}
	if sum, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		t.Fatal(err)
	}
	return salt, sum, m, tm, p
}

// TestPINHashNeedsMasterKey: a PIN hash copied out of ledger.db cannot be
// checked against even the right PIN without the master key; key rotation
// keeps PINs working; an old unkeyed hash is re-hashed keyed on its next
// success.
func TestPINHashNeedsMasterKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.open(t)
	addEmployee(t, l, "A", "2468")
	var stolen string
	if err := l.DB().QueryRow(`SELECT pin_hash FROM employees WHERE number = 'A'`).Scan(&stolen); err != nil {
		t.Fatal(err)
	}
	salt, sum, m, tm, p := phc(t, stolen)
	if got := argon2.IDKey([]byte("2468"), salt, tm, m, p, uint32(len(sum))); string(got) == string(sum) {
		t.Fatal("the stolen hash verifies the right PIN without the master key")
	}

	// Rotation keeps the pepper, now sealed in the database.
	for i := 0; i < 2; i++ {
		if _, err := l.RotateKey(ctx, "admin"); err != nil {
			t.Fatal(err)
		}
		if err := l.CheckPIN(ctx, "A", "2468"); err != nil {
			t.Fatalf("after rotation %d: %v", i+1, err)
		}
	}
	l.Close()
	l = e.open(t)
	if err := l.CheckPIN(ctx, "A", "2468"); err != nil {
		t.Fatalf("reopened after rotations: %v", err)
	}

	// A legacy unkeyed hash still works once, then is keyed.
	legacySalt := []byte("0123456789abcdef")
	legacy := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, 19*1024, 2, 1,
		base64.RawStdEncoding.EncodeToString(legacySalt),
		base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte("1357"), legacySalt, 2, 19*1024, 1, 32)))
	if _, err := l.DB().Exec(`UPDATE employees SET pin_hash = ? WHERE number = 'A'`, legacy); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckPIN(ctx, "A", "0000"); !errors.Is(err, clockface.ErrBadPIN) {
		t.Fatalf("wrong PIN against a legacy hash: got %v, want ErrBadPIN", err)
	}
	if err := l.CheckPIN(ctx, "A", "1357"); err != nil {
		t.Fatalf("right PIN against a legacy hash: %v", err)
	}
	var now string
	if err := l.DB().QueryRow(`SELECT pin_hash FROM employees WHERE number = 'A'`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(now, "$argon2id-pepper1$") {
		t.Errorf("after a success the legacy hash is still %q, want it keyed", now)
	}
	if err := l.CheckPIN(ctx, "A", "1357"); err != nil {
		t.Fatalf("right PIN after re-hashing: %v", err)
	}
	var rehashed bool
	entries, _ := l.AuditEntries(ctx, "A")
	for _, a := range entries {
		var d map[string]any
		json.Unmarshal(a.Detail, &d)
		if a.Action == "pin.ok" && d["rehashed"] == true {
			rehashed = true
		}
	}
	if !rehashed {
		t.Error("no audit entry for the re-hash")
	}

	// The same file under another master key does not open at all.
	other := e.config()
	other.KeyFile = ""
	other.Key = mustKey(t)
	if _, err := ledger.Open(ctx, other); !errors.Is(err, ledger.ErrWrongMasterKey) {
		t.Errorf("open with another master key: got %v, want ErrWrongMasterKey", err)
	}
}
