package reliability_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"clockface"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/outbox"
	"clockface/sync/wire"
)

// TestMain doubles as the hub subprocess for the SIGKILL test.
func TestMain(m *testing.M) {
	if os.Getenv("CLOCKFACE_HUB_CHILD") == "1" {
		os.Exit(runChildHub())
	}
	os.Exit(m.Run())
}

func runChildHub() int {
	ctx := context.Background()
	st, err := hub.Open(ctx, os.Getenv("CLOCKFACE_HUB_DB"), os.Getenv("CLOCKFACE_HUB_SCHEMA"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child hub:", err)
		return 1
	}
	srv := hub.NewServer(st, clockface.SystemClock{}, nil)
	err = srv.ListenAndServe(ctx, os.Getenv("CLOCKFACE_HUB_ADDR"), nil, func(a net.Addr) { fmt.Println("ready", a) })
	fmt.Fprintln(os.Stderr, "child hub:", err)
	return 1
}

// childHub runs the hub in a subprocess on addr.
type childHub struct {
	t                *testing.T
	db, schema, addr string
	cmd              *exec.Cmd
}

func (h *childHub) start() {
	h.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CLOCKFACE_HUB_CHILD=1", "CLOCKFACE_HUB_DB="+h.db,
		"CLOCKFACE_HUB_SCHEMA="+h.schema, "CLOCKFACE_HUB_ADDR="+h.addr)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		cmd.Process.Kill()
		cmd.Wait()
		h.t.Fatalf("child hub did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	h.cmd = cmd
}

func (h *childHub) kill() {
	h.cmd.Process.Signal(syscall.SIGKILL)
	h.cmd.Wait()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// killingSender SIGKILLs the hub while a batch is in flight, every few
// batches, then restarts it.
type killingSender struct {
	next   outbox.Sender
	hub    *childHub
	n      atomic.Int32
	kills  atomic.Int32
	failed atomic.Int32
	every  int32
	max    int32
}

func (k *killingSender) Send(ctx context.Context, b wire.Batch) (wire.BatchResponse, error) {
	if i := k.n.Add(1); i%k.every == 0 && k.kills.Load() < k.max {
		k.kills.Add(1)
		done := make(chan struct{})
		go func() {
			// Kill a moment after the request leaves: mid-upload or
			// mid-commit or before the answer, whichever it hits.
			time.Sleep(time.Duration(i%4) * time.Millisecond)
			k.hub.kill()
			k.hub.start()
			close(done)
		}()
		r, err := k.next.Send(ctx, b)
		<-done
		if err != nil {
			k.failed.Add(1)
		}
		return r, err
	}
	return k.next.Send(ctx, b)
}

// TestHubSIGKILL: the hub process is SIGKILLed mid-batch several times and
// restarted on the same database; every punch arrives exactly once.
func TestHubSIGKILL(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			db, schema := sc.open(t)
			st := openStore(t, db, schema) // creates the schema; used for pairing codes and the final check
			defer st.Close()
			h := &childHub{t: t, db: db, schema: schema, addr: freeAddr(t)}
			h.start()
			defer h.kill()
			base := "http://" + h.addr
			creds := pairAll(t, st, base, []string{"k1", "k2"})
			srcs := []*memSource{newMemSource("k1", 3000, time.Now().Add(-time.Hour)), newMemSource("k2", 3000, time.Now().Add(-time.Hour))}
			var wg sync.WaitGroup
			var ks *killingSender
			for i, c := range creds {
				client, err := hubclient.NewClient(c, nil, clockface.SystemClock{})
				if err != nil {
					t.Fatal(err)
				}
				var send outbox.Sender = client
				if i == 0 {
					ks = &killingSender{next: client, hub: h, every: 2, max: 3}
					send = ks
				}
				relay := outbox.New(srcs[i], send, outbox.Options{KioskID: c.KioskID, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
				wg.Add(1)
				go func(src *memSource) {
					defer wg.Done()
					deadline := time.Now().Add(60 * time.Second)
					for src.left() > 0 && time.Now().Before(deadline) {
						if _, err := relay.RunOnce(context.Background()); err != nil {
							time.Sleep(outbox.Backoff(1, 10*time.Millisecond, 100*time.Millisecond, 0.5))
						}
					}
				}(srcs[i])
			}
			wg.Wait()
			for _, s := range srcs {
				if s.left() != 0 {
					t.Fatalf("%d events never delivered", s.left())
				}
			}
			if got, want := ks.kills.Load(), int32(3); got != want {
				t.Fatalf("hub killed %d times, want %d", got, want)
			}
			t.Logf("hub SIGKILLed %d times; %d of those batches failed at the kiosk", ks.kills.Load(), ks.failed.Load())
			checkExactlyOnce(t, st, srcs...)
		})
	}
}

// cutProxy forwards TCP to target, cutting some connections: mode 0 cuts
// the request after a few KiB, mode 1 delivers the request but drops the
// answer, mode 2 passes through.
type cutProxy struct {
	ln                  net.Listener
	target              string
	n                   atomic.Int32
	cutRequest, cutResp atomic.Int32
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c, int(p.n.Add(1))%3)
	}
}

func (p *cutProxy) handle(c net.Conn, mode int) {
	defer c.Close()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer s.Close()
	switch mode {
	case 0:
		io.CopyN(s, c, 4096) // part of the request, then cut both ways
		p.cutRequest.Add(1)
	case 1:
		go io.Copy(s, c)
		// Wait for the hub's answer to start, then drop it.
		b := make([]byte, 1)
		if _, err := s.Read(b); err == nil {
			p.cutResp.Add(1)
		}
	default:
		go io.Copy(s, c)
		io.Copy(c, s)
	}
}

// TestProxyCutsConnections: a proxy cuts requests mid-upload and drops
// answers after the hub stored the batch; every punch arrives once.
func TestProxyCutsConnections(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			db, schema := sc.open(t)
			st := openStore(t, db, schema)
			defer st.Close()
			base := startHub(t, st)
			proxy := newCutProxy(t, strings.TrimPrefix(base, "http://"))
			creds := pairAll(t, st, base, []string{"k1"})
			creds[0].HubURL = "http://" + proxy.ln.Addr().String()
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.DisableKeepAlives = true // one request per connection, so every mode is exercised
			client, err := hubclient.NewClient(creds[0], &http.Client{Transport: tr, Timeout: 10 * time.Second}, clockface.SystemClock{})
			if err != nil {
				t.Fatal(err)
			}
			src := newMemSource("k1", 4000, time.Now().Add(-time.Hour))
			relay := outbox.New(src, client, outbox.Options{KioskID: "k1", BatchSize: 250})
			var failures int
			for src.left() > 0 && failures < 200 {
				if _, err := relay.RunOnce(context.Background()); err != nil {
					failures++
				}
			}
			if src.left() != 0 {
				t.Fatalf("%d events never delivered", src.left())
			}
			if proxy.cutRequest.Load() == 0 || proxy.cutResp.Load() == 0 {
				t.Fatalf("proxy cut %d requests and %d answers, want some of each", proxy.cutRequest.Load(), proxy.cutResp.Load())
			}
			t.Logf("%d failed passes, %d requests cut, %d answers dropped", failures, proxy.cutRequest.Load(), proxy.cutResp.Load())
			checkExactlyOnce(t, st, src)
		})
	}
}

// TestSameBatchConcurrently: one batch delivered twice at the same moment
// (two connections, two nonces) is applied once.
func TestSameBatchConcurrently(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			db, schema := sc.open(t)
			st := openStore(t, db, schema)
			defer st.Close()
			base := startHub(t, st)
			creds := pairAll(t, st, base, []string{"k1"})
			client, err := hubclient.NewClient(creds[0], nil, clockface.SystemClock{})
			if err != nil {
				t.Fatal(err)
			}
			src := newMemSource("k1", 500, time.Now())
			evs, _ := src.PendingOutbox(context.Background(), 500)
			b := wire.Batch{KioskID: "k1", KioskClock: time.Now()}
			for _, e := range evs {
				b.Events = append(b.Events, wire.Event{ID: e.ID, Seq: e.Seq, Type: e.Type, At: e.At, Punch: wire.FromPunch(e.Punch)})
			}
			for round := range 3 {
				var wg sync.WaitGroup
				var accepted, dups atomic.Int32
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r, err := client.Send(context.Background(), b)
						if err != nil {
							t.Error(err)
							return
						}
						accepted.Add(int32(r.Accepted))
						dups.Add(int32(r.Duplicates))
					}()
				}
				wg.Wait()
				wantAcc := int32(500)
				if round > 0 {
					wantAcc = 0
				}
				if accepted.Load() != wantAcc || dups.Load() != 4*500-wantAcc {
					t.Errorf("round %d: got %d accepted %d duplicates, want %d and %d", round, accepted.Load(), dups.Load(), wantAcc, 4*500-wantAcc)
				}
			}
			checkExactlyOnce(t, st, src)
		})
	}
}
