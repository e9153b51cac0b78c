package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"clockface/dashboard"
	"clockface/dashboard/store"
	"clockface/internal/clocktest"
	"clockface/internal/pgtest"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// open returns an opener for a fresh database of kind, so a test can
// open the same database twice.
func open(t *testing.T, kind string) func(*clocktest.Clock) *store.SQL {
	t.Helper()
	var db, schema string
	switch kind {
	case "sqlite":
		db = filepath.Join(t.TempDir(), "hub.db")
	case "postgres":
		db, schema = pgtest.URL(), pgtest.Schema(t, "dashstore")
	}
	return func(c *clocktest.Clock) *store.SQL {
		t.Helper()
		st, err := store.Open(context.Background(), db, schema, c)
		if err != nil {
			t.Fatalf("open %s: %v", kind, err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

const hash = "$argon2id$v=19$m=47104,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"

func TestStore(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			clock := clocktest.New(t0)
			opener := open(t, kind)
			st := opener(clock)
			again := opener(clock) // migrating twice is a no-op
			var n int
			if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+store.VersionTable).Scan(&n); err != nil || n < 2 {
				t.Fatalf("%s: %d rows, %v; want goose's rows in its own table", store.VersionTable, n, err)
			}

			u, err := st.AddUser(ctx, dashboard.User{Email: " Ana@Example.COM ", Role: dashboard.RoleManager,
				Scope: dashboard.Scope{Sites: []string{"A"}}, Lang: "es", PasswordHash: hash}, dashboard.Audit{Actor: "cli", Action: dashboard.AuditUserAdded})
			if err != nil {
				t.Fatal(err)
			}
			got, err := again.UserByEmail(ctx, "ana@example.com")
			if err != nil || got.ID != u.ID || got.Email != "ana@example.com" || got.Scope.Sites[0] != "A" || !got.CreatedAt.Equal(t0) {
				t.Fatalf("UserByEmail = %+v, %v; want the stored user", got, err)
			}
			if _, err := st.AddUser(ctx, dashboard.User{Email: "ANA@example.com", Role: dashboard.RoleHR, Lang: "en", PasswordHash: hash},
				dashboard.Audit{Actor: "cli", Action: dashboard.AuditUserAdded}); !errors.Is(err, dashboard.ErrDuplicateEmail) {
				t.Fatalf("duplicate email: %v, want ErrDuplicateEmail", err)
			}
			if _, err := st.AddUser(ctx, dashboard.User{Email: "b@example.com", Role: dashboard.RoleHR, Lang: "en", PasswordHash: "plain"},
				dashboard.Audit{Actor: "cli", Action: dashboard.AuditUserAdded}); err == nil {
				t.Fatal("the database stored a password that is not an Argon2id hash")
			}
			if _, err := st.UserByID(ctx, "nope"); !errors.Is(err, dashboard.ErrNotFound) {
				t.Fatalf("UserByID(nope) = %v, want ErrNotFound", err)
			}
			u2, err := st.BumpEpoch(ctx, u.ID, dashboard.Audit{Actor: "ana@example.com", Action: dashboard.AuditSignOutEverywhere})
			if err != nil || u2.Epoch != 1 {
				t.Fatalf("BumpEpoch = %+v, %v", u2, err)
			}

			// Sessions: found until expiry by the store's clock, then not; purged.
			if err := st.Commit("tok", []byte{0, 1, 2, 255}, t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if b, ok, err := st.Find("tok"); err != nil || !ok || len(b) != 4 || b[3] != 255 {
				t.Fatalf("Find = %v %v %v", b, ok, err)
			}
			clock.Add(time.Minute)
			if _, ok, _ := st.Find("tok"); ok {
				t.Fatal("an expired session was found")
			}
			if n, err := st.PurgeSessions(ctx); err != nil || n != 1 {
				t.Fatalf("PurgeSessions = %d, %v; want 1", n, err)
			}

			// Throttle: the limit within the window locks; an old window restarts.
			rule := []dashboard.ThrottleRule{{Key: "k", Limit: 3, Window: time.Minute, Lock: 10 * time.Minute}}
			now := clock.Now()
			st.Fail(ctx, now, rule)
			st.Fail(ctx, now.Add(2*time.Minute), rule) // window over: counts as 1
			st.Fail(ctx, now.Add(2*time.Minute+time.Second), rule)
			if until, _ := st.LockedUntil(ctx, []string{"k"}, now.Add(3*time.Minute)); !until.IsZero() {
				t.Fatalf("locked after 2 failures in the window: until %v", until)
			}
			st.Fail(ctx, now.Add(2*time.Minute+2*time.Second), rule)
			until, _ := st.LockedUntil(ctx, []string{"other", "k"}, now.Add(3*time.Minute))
			if want := now.Add(12*time.Minute + 2*time.Second); !until.Equal(want) {
				t.Fatalf("LockedUntil = %v, want %v", until, want)
			}
			st.Reset(ctx, "k")
			if until, _ := st.LockedUntil(ctx, []string{"k"}, now.Add(3*time.Minute)); !until.IsZero() {
				t.Fatal("still locked after Reset")
			}

			// Audit: concurrent appends from two connections keep one chain.
			var wg sync.WaitGroup
			for i := range 20 {
				s := st
				if i%2 == 1 {
					s = again
				}
				wg.Go(func() {
					if err := s.AppendAudit(ctx, dashboard.Audit{Actor: "x", Action: dashboard.AuditLoginFailed}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if n, err := st.VerifyAudit(ctx); err != nil || n != 22 {
				t.Fatalf("VerifyAudit = %d, %v; want 22 entries", n, err)
			}
			es, _ := st.AuditEntries(ctx, 100)
			first := es[len(es)-1]
			if first.Action != dashboard.AuditUserAdded || first.Subject != u.ID || first.Before != nil || first.After == nil {
				t.Fatalf("first entry %+v: want user.added with after only", first)
			}
			for _, tamper := range []string{
				`UPDATE dashboard_audit SET after_json = '{"role":"owner"}' WHERE seq = 1`,
				`DELETE FROM dashboard_audit WHERE seq = 5`,
			} {
				if _, err := st.DB().ExecContext(ctx, tamper); err != nil {
					t.Fatal(err)
				}
				if _, err := st.VerifyAudit(ctx); !errors.Is(err, store.ErrAuditBroken) {
					t.Fatalf("after %s: VerifyAudit = %v, want ErrAuditBroken", tamper, err)
				}
			}
		})
	}
}

// TestConcurrentSessionCommits: one browser's requests commit the same
// session at once (a page, its refresh, a form); every commit succeeds and
// the session reads back. The old delete-then-insert failed some of them
// on PostgreSQL with a duplicate key.
func TestConcurrentSessionCommits(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, kind)(clocktest.New(t0))
			const workers, rounds = 8, 25
			errs := make(chan error, workers*rounds)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range rounds {
						errs <- st.CommitCtx(ctx, "the-token", []byte{byte(w), byte(i)}, t0.Add(time.Hour))
					}
				}()
			}
			wg.Wait()
			close(errs)
			failed := 0
			for err := range errs {
				if err != nil {
					failed++
					t.Log(err)
				}
			}
			if failed > 0 {
				t.Fatalf("%d of %d concurrent commits failed, want none", failed, workers*rounds)
			}
			if b, ok, err := st.FindCtx(ctx, "the-token"); err != nil || !ok || len(b) != 2 {
				t.Fatalf("find after the commits: %v %v %v, want one session", b, ok, err)
			}
		})
	}
}
