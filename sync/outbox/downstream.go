package outbox

import (
	"context"
	"fmt"

	"clockface/sync/wire"
)

// The downstream pass: after the upload, the relay asks the hub for the
// employee status changes made there since the last one this kiosk
// applied, and the other kiosks' last known states, and hands them to the
// ledger (ledger.ApplyDownstream), which ignores employees it does not
// hold and changes already applied. It asks again while the hub says more
// changes wait, and once more after applying some, so the hub hears how
// far this kiosk got. A Sender or Source without the downstream methods
// (a test double) skips the pass.

// DownstreamSender fetches the hub's changes; *hubclient.Client is one.
type DownstreamSender interface {
	Downstream(ctx context.Context, after int64) (wire.Downstream, error)
}

// DownstreamSink applies them; *ledger.Ledger is one.
type DownstreamSink interface {
	// DownstreamCursor is the newest change applied (the next After).
	DownstreamCursor(ctx context.Context) (int64, error)
	// ApplyDownstream applies one answer and returns how many changes
	// changed an employee.
	ApplyDownstream(ctx context.Context, d wire.Downstream) (int, error)
}

// maxDownstreamRounds bounds the requests of one pass (500 changes each).
const maxDownstreamRounds = 100

// pull runs the downstream pass, counting into st.
func (r *Relay) pull(ctx context.Context, st *PassStats) error {
	fetch, ok := r.send.(DownstreamSender)
	if !ok {
		return nil
	}
	sink, ok := r.src.(DownstreamSink)
	if !ok {
		return nil
	}
	after, err := sink.DownstreamCursor(ctx)
	if err != nil {
		return fmt.Errorf("downstream: %w", err)
	}
	before := st.StatusChanges
	defer func() {
		if st.StatusChanges > before && r.o.Applied != nil {
			r.o.Applied()
		}
	}()
	for range maxDownstreamRounds {
		d, err := fetch.Downstream(ctx, after)
		if err != nil {
			return fmt.Errorf("downstream: %w", err)
		}
		n, err := sink.ApplyDownstream(ctx, d)
		if err != nil {
			return fmt.Errorf("downstream: %w", err)
		}
		st.StatusChanges += n
		st.Downstreams++
		next, err := sink.DownstreamCursor(ctx)
		if err != nil {
			return fmt.Errorf("downstream: %w", err)
		}
		if len(d.Changes) == 0 || next <= after {
			return nil
		}
		// More waiting, or one more request to report the new cursor.
		after = next
	}
	return nil
}

// OnApplied sets Options.Applied: f runs after a pass applied hub status
// changes (the kiosk reloads its face gallery). Call it before Run.
func (r *Relay) OnApplied(f func()) { r.o.Applied = f }
