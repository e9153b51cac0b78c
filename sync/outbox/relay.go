package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"clockface"
	"clockface/sync/wire"
)

// Sender uploads one batch; *hubclient.Client is the real one.
type Sender interface {
	Send(ctx context.Context, b wire.Batch) (wire.BatchResponse, error)
}

// Options tune a relay. Zero values take the defaults.
type Options struct {
	KioskID    string
	BatchSize  int           // ≤ 500; default 500
	MinBackoff time.Duration // default 1 s
	MaxBackoff time.Duration // default 5 min
	Interval   time.Duration // idle poll; default 30 s
	Clock      clockface.Clock
	Log        *slog.Logger
	// Applied, if set, is called after a pass applied hub status changes
	// (the kiosk reloads its face gallery).
	Applied func()
}

// Relay moves outbox events to the hub.
type Relay struct {
	src    Source
	send   Sender
	o      Options
	wake   chan struct{}
	dirSum [32]byte // directory last delivered in this process

	mu     sync.Mutex // guards the last pass's outcome
	lastOK time.Time  // when the last successful pass ended
	online bool       // the latest pass succeeded
}

// LastSuccess is when the last pass (RunOnce, or one of Run's) that
// reached the hub ended (zero before one did, in this process), and
// whether the latest pass succeeded: the kiosk's online chip. Safe from
// any goroutine.
func (r *Relay) LastSuccess() (at time.Time, online bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastOK, r.online
}

func (r *Relay) passEnded(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.online = err == nil
	if err == nil {
		r.lastOK = r.o.Clock.Now()
	}
}

// New returns a relay from src to send.
func New(src Source, send Sender, o Options) *Relay {
	if o.BatchSize <= 0 || o.BatchSize > wire.MaxBatchEvents {
		o.BatchSize = wire.MaxBatchEvents
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Interval <= 0 {
		o.Interval = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = clockface.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Relay{src: src, send: send, o: o, wake: make(chan struct{}, 1)}
}

// Notify asks a running relay to sync soon. It never blocks, so the kiosk
// can call it right after a punch.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// PassStats counts one pass.
type PassStats struct {
	Batches, Events, Accepted, Duplicates int
	// Downstreams are the hub's answers read (downstream.go);
	// StatusChanges the employee status changes they applied here.
	Downstreams, StatusChanges int
}

// RunOnce sends batches until the outbox is empty or an error occurs. It
// acknowledges each batch only after the hub stored it; a batch whose
// answer was lost is resent later and counted as duplicates by the hub.
// Then it applies what the hub sends down (pull). Its end, success or
// failure, is what LastSuccess reports.
func (r *Relay) RunOnce(ctx context.Context) (st PassStats, err error) {
	defer func() {
		if ctx.Err() == nil {
			r.passEnded(err)
		}
	}()
	st, err = r.upload(ctx)
	if err != nil {
		return st, err
	}
	return st, r.pull(ctx, &st)
}

func (r *Relay) upload(ctx context.Context) (PassStats, error) {
	var st PassStats
	dir, dirSum, err := r.directory(ctx)
	if err != nil {
		return st, err
	}
	seq, hash, err := r.src.AuditHead(ctx)
	if err != nil {
		return st, fmt.Errorf("audit head: %w", err)
	}
	// The directory goes first, alone, in chunks that stay far below the
	// hub's body cap however many employees there are.
	for i := 0; i < len(dir); i += dirChunk {
		b := wire.Batch{KioskID: r.o.KioskID, KioskClock: r.o.Clock.Now(), AuditHead: wire.AuditHead{Seq: seq, Hash: hash},
			Employees: dir[i:min(i+dirChunk, len(dir))]}
		if _, err := r.send.Send(ctx, b); err != nil {
			return st, err
		}
		st.Batches++
	}
	if dir != nil {
		r.dirSum = dirSum
	}
	for {
		evs, err := r.src.PendingOutbox(ctx, r.o.BatchSize)
		if err != nil {
			return st, fmt.Errorf("read outbox: %w", err)
		}
		if len(evs) == 0 {
			return st, nil
		}
		seq, hash, err := r.src.AuditHead(ctx)
		if err != nil {
			return st, fmt.Errorf("audit head: %w", err)
		}
		b := wire.Batch{KioskID: r.o.KioskID, KioskClock: r.o.Clock.Now(), AuditHead: wire.AuditHead{Seq: seq, Hash: hash},
			Events: make([]wire.Event, len(evs))}
		seqs := make([]int64, len(evs))
		for i, e := range evs {
			b.Events[i] = wire.Event{ID: e.ID, Seq: e.Seq, Type: e.Type, At: e.At, Punch: wire.FromPunch(e.Punch)}
			seqs[i] = e.Seq
		}
		resp, err := r.send.Send(ctx, b)
		if err != nil {
			return st, err
		}
		if err := r.src.AckOutbox(ctx, seqs); err != nil {
			return st, fmt.Errorf("ack outbox: %w", err)
		}
		st.Batches++
		st.Events += len(evs)
		st.Accepted += resp.Accepted
		st.Duplicates += resp.Duplicates
		if resp.SkewFlagged {
			r.o.Log.Warn("hub flagged this kiosk's clock", "skew_ms", resp.SkewMillis)
		}
		if len(evs) < r.o.BatchSize {
			return st, nil
		}
	}
}

// dirChunk is how many directory entries go in one batch: at most about
// 0.7 MiB even with the longest names, under the 2 MiB body cap.
const dirChunk = 2000

// directory returns the employee directory if it changed since this
// process last delivered it, else nil.
func (r *Relay) directory(ctx context.Context) ([]wire.Employee, [32]byte, error) {
	es, err := r.src.Employees(ctx)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("employees: %w", err)
	}
	dir := make([]wire.Employee, 0, len(es))
	for _, e := range es {
		// The directory is a convenience for exports: an entry the hub
		// would refuse is left out rather than blocking every punch.
		w := wire.FromEmployee(e)
		if len(w.Name) > 200 {
			w.Name = w.Name[:200]
		}
		if (&wire.Batch{KioskID: "k", KioskClock: time.Unix(1e9, 0), Employees: []wire.Employee{w}}).Validate() != nil {
			r.o.Log.Warn("employee left out of the hub directory", "number", e.Number)
			continue
		}
		dir = append(dir, w)
	}
	if len(dir) > wire.MaxEmployees {
		dir = dir[:wire.MaxEmployees]
	}
	data, _ := json.Marshal(dir)
	sum := sha256.Sum256(data)
	if sum == r.dirSum || len(dir) == 0 {
		return nil, sum, nil
	}
	return dir, sum, nil
}

// Run relays until ctx ends: a pass at start, after each Notify and
// every Interval; after a failure it waits an exponential backoff with
// jitter. Run it in its own goroutine; it never blocks the caller.
func (r *Relay) Run(ctx context.Context) {
	failures := 0
	for {
		st, err := r.RunOnce(ctx)
		wait := r.o.Interval
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = Backoff(failures, r.o.MinBackoff, r.o.MaxBackoff, rand.Float64())
			failures++
			r.o.Log.Warn("sync failed", "err", err, "retry_in", wait, "failures", failures)
		} else {
			failures = 0
			if st.Events > 0 {
				r.o.Log.Info("synced", "events", st.Events, "accepted", st.Accepted, "duplicates", st.Duplicates)
			}
		}
		wake := r.wake
		if err != nil {
			wake = nil // a punch does not cut a backoff short
		}
		t := time.NewTimer(wait) // monotonic: wall-clock jumps do not matter
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// Backoff is the wait after failures consecutive failures: min·2^failures
// capped at max, with "equal jitter" (a uniform draw from the upper half,
// u in [0,1)), so a fleet that lost the hub together does not return in
// lockstep.
func Backoff(failures int, min, max time.Duration, u float64) time.Duration {
	d := min
	for i := 0; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d/2 + time.Duration(u*float64(d/2))
}
