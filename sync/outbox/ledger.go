package outbox

import (
	"context"

	"clockface"
	"clockface/ledger"
)

// FromLedger adapts the kiosk's ledger to Source.
func FromLedger(l *ledger.Ledger) Source { return ledgerSource{l} }

type ledgerSource struct{ l *ledger.Ledger }

func (s ledgerSource) Pending(ctx context.Context, limit int) ([]Event, error) {
	evs, err := s.l.PendingOutbox(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = Event{Seq: e.Seq, ID: e.ID, Type: e.Type, Punch: e.Punch, At: e.At}
	}
	return out, nil
}

func (s ledgerSource) Ack(ctx context.Context, seqs []int64) error { return s.l.AckOutbox(ctx, seqs) }

func (s ledgerSource) AuditHead(ctx context.Context) (int64, string, error) {
	return s.l.AuditHead(ctx)
}

func (s ledgerSource) Employees(ctx context.Context) ([]clockface.Employee, error) {
	return s.l.Employees(ctx)
}
