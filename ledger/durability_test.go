package ledger_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"clockface"
	"clockface/ledger"
)

const helperEnv = "CLOCKFACE_LEDGER_PUNCH_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		punchHelper()
		return
	}
	os.Exit(m.Run())
}

// punchHelper opens the ledger named by the environment and punches as
// fast as it can, printing "ACK id" after each Punch returns, until killed.
func punchHelper() {
	ctx := context.Background()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	l, err := ledger.Open(ctx, ledger.Config{
		Path: os.Getenv("LEDGER_PATH"), KeyFile: os.Getenv("LEDGER_KEY"), KioskID: "durability",
		Debounce: -1,
	})
	if err != nil {
		fail(err)
	}
	const employees = 5
	for i := 0; i < employees; i++ {
		n := fmt.Sprintf("E%d", i)
		if _, err := l.Employee(ctx, n); err == nil {
			continue
		}
		if _, err := l.AddEmployee(ctx, clockface.Employee{Number: n, Name: n}, ""); err != nil {
			fail(err)
		}
	}
	fmt.Println("READY")
	for i := 0; ; i++ {
		p, _, err := l.Punch(ctx, clockface.PunchRequest{Employee: fmt.Sprintf("E%d", i%employees), Method: clockface.MethodPIN})
		if err != nil {
			fail(err)
		}
		os.Stdout.WriteString("ACK " + p.ID + "\n")
	}
}

// Promise 17: every acknowledged punch survives SIGKILL, exactly once, and
// the file stays intact. A helper process (this test binary, re-executed)
// punches in a loop; it is killed 200 times, at a random moment after it
// is ready, or (one time in five) at a random moment from its start,
// often while still opening the ledger.
func TestPunchesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a helper process 200 times")
	}
	e := newEnv(t)
	const kills = 200
	acked := map[string]int{}
	var mu sync.Mutex
	start := time.Now()
	for k := 0; k < kills; k++ {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"=1", "LEDGER_PATH="+e.path, "LEDGER_KEY="+e.key)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		ready := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "READY" {
					close(ready)
					continue
				}
				// Each line is one write(2) to a pipe, so it arrives whole
				// or not at all; the length check is belt and braces.
				line := sc.Text()
				if id, ok := strings.CutPrefix(line, "ACK "); ok && len(id) == 36 {
					mu.Lock()
					acked[id]++
					mu.Unlock()
				}
			}
		}()
		if k%5 == 0 {
			// Some kills land while the helper opens the ledger (schema,
			// key, purge), whenever that happens on a busy machine.
			time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		} else {
			select {
			case <-ready:
			case <-done:
				cmd.Wait()
				t.Fatalf("kill %d: helper exited before it was ready: %s", k, stderr.String())
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("kill %d: helper not ready after 20 s: %s", k, stderr.String())
			}
			time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("kill %d: helper exited on its own (%v): %s", k, err, stderr.String())
		}
	}
	t.Logf("%d kills, %d acknowledged punches in %s", kills, len(acked), time.Since(start).Round(time.Millisecond))
	if len(acked) < kills {
		t.Fatalf("only %d punches acknowledged over %d runs: the test did not exercise punching", len(acked), kills)
	}
	for id, n := range acked {
		if n != 1 {
			t.Fatalf("punch %s acknowledged %d times", id, n)
		}
	}

	l := e.open(t, func(c *ledger.Config) { c.NoPurgeAtOpen = true })
	var check string
	if err := l.DB().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil {
		t.Fatal(err)
	}
	if check != "ok" {
		t.Fatalf("integrity_check: %s", check)
	}
	missing := 0
	for id := range acked {
		if n := count(t, l, `SELECT count(*) FROM punches WHERE id = ?`, id); n != 1 {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged punch %s stored %d times", id, n)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged punches lost", missing, len(acked))
	}
	// Each stored punch has exactly one outbox event (same transaction).
	if n := count(t, l, `SELECT count(*) FROM punches p WHERE (SELECT count(*) FROM outbox o WHERE o.punch_id = p.id) != 1`); n != 0 {
		t.Errorf("%d punches without exactly one outbox event", n)
	}
	if n := count(t, l, `SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM punches p WHERE p.id = o.punch_id)`); n != 0 {
		t.Errorf("%d outbox events without a punch", n)
	}
	if err := l.VerifyAudit(context.Background()); err != nil {
		t.Error(err)
	}
}
