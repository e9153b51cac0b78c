package hub_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"clockface/internal/clocktest"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/wire"
)

// TestSelfSignedTLS: the hub makes a CA and a certificate once, serves
// HTTPS with them, and a kiosk trusting ca.pem connects while one that
// does not is refused.
func TestSelfSignedTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	cfg, err := hub.SelfSignedTLS(dir, []string{"hub.lan"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ca.key", "server.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v, want 0600", f, err, st.Mode().Perm())
		}
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, hub.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	// A second start reuses the same CA.
	if _, err := hub.SelfSignedTLS(dir, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, hub.CAFile)); string(again) != string(caPEM) {
		t.Error("second start replaced the CA")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	srv := hub.NewServer(openSQLite(t), clocktest.New(t0), nil)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0", cfg, func(a net.Addr) { addr <- a }) }()
	url := "https://" + (<-addr).String() + wire.PathHealth

	trusting, err := hubclient.HTTPClient(string(caPEM))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := trusting.Get(url)
	if err != nil {
		t.Fatalf("kiosk trusting ca.pem: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("got %d, want 200", resp.StatusCode)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("a client without the CA connected")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
