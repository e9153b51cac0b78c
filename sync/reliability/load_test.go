package reliability_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"clockface"
	"clockface/sync/hub"
	"clockface/sync/hubclient"
	"clockface/sync/outbox"
	"clockface/sync/wire"
)

// startHub serves st on 127.0.0.1 (real TCP) and returns its base URL.
func startHub(t testing.TB, st *hub.DB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	srv := hub.NewServer(st, clockface.SystemClock{}, nil)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0", nil, func(a net.Addr) { addr <- a }) }()
	var a net.Addr
	select {
	case a = <-addr:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub: %v", err)
		}
	})
	return "http://" + a.String()
}

// timedSender records each batch's round trip.
type timedSender struct {
	next outbox.Sender
	mu   *sync.Mutex
	lat  *[]time.Duration
}

func (s timedSender) Send(ctx context.Context, b wire.Batch) (wire.BatchResponse, error) {
	start := time.Now()
	r, err := s.next.Send(ctx, b)
	d := time.Since(start)
	s.mu.Lock()
	*s.lat = append(*s.lat, d)
	s.mu.Unlock()
	return r, err
}

// TestLoad: K kiosks × N punches each, all relaying at once to one hub on
// loopback, for both stores. Every punch must land exactly once. The
// default run is 20 × 1,000; CLOCKFACE_LOAD_FULL=1 runs the full
// 200 × 1,000 and the figures go to BENCHMARKS.md.
func TestLoad(t *testing.T) {
	kiosks, per := 20, 1000
	if os.Getenv("CLOCKFACE_LOAD_FULL") != "" {
		kiosks = 200
	}
	if testing.Short() {
		kiosks, per = 4, 500
	}
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			db, schema := sc.open(t)
			st := openStore(t, db, schema)
			defer st.Close()
			base := startHub(t, st)
			ids := make([]string, kiosks)
			for i := range ids {
				ids[i] = fmt.Sprintf("load-%03d", i)
			}
			creds := pairAll(t, st, base, ids)
			start := time.Now().Add(-30 * 24 * time.Hour)
			srcs := make([]*memSource, kiosks)
			for i := range srcs {
				srcs[i] = newMemSource(ids[i], per, start)
			}
			var mu sync.Mutex
			var lat []time.Duration
			var wg sync.WaitGroup
			errs := make(chan error, kiosks)
			t0 := time.Now()
			for i := range kiosks {
				c, err := hubclient.NewClient(creds[i], nil, clockface.SystemClock{})
				if err != nil {
					t.Fatal(err)
				}
				relay := outbox.New(srcs[i], timedSender{c, &mu, &lat}, outbox.Options{KioskID: ids[i]})
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := relay.RunOnce(context.Background()); err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(t0)
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			checkExactlyOnce(t, st, srcs...)
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			total := kiosks * per
			p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
			msg := fmt.Sprintf("load %s: %d kiosks × %d punches = %d in %s: %.0f punches/s; %d batches, p50 %s p99 %s max %s",
				sc.name, kiosks, per, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), len(lat),
				p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
			t.Log(msg)

			// One more kiosk alone: the cost of a batch without queueing.
			solo := pairAll(t, st, base, []string{"solo"})
			c, err := hubclient.NewClient(solo[0], nil, clockface.SystemClock{})
			if err != nil {
				t.Fatal(err)
			}
			src := newMemSource("solo", 20*wire.MaxBatchEvents, start)
			lat = nil
			if _, err := outbox.New(src, timedSender{c, &mu, &lat}, outbox.Options{KioskID: "solo"}).RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			t.Logf("load %s: one kiosk alone, %d batches of 500: p50 %s p99 %s", sc.name, len(lat),
				p(0.5).Round(100*time.Microsecond), p(0.99).Round(100*time.Microsecond))
			checkExactlyOnce(t, st, append(srcs, src)...)
		})
	}
}
