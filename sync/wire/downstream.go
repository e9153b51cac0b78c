package wire

import (
	"errors"
	"fmt"
	"io"
	"time"

	"clockface"
)

// Hub → kiosk. At each pass, once its outbox is empty, the relay asks the
// hub for what changed on the hub that the kiosk must apply: employee
// status changes HR made on the hub (terminate, restrict to PIN,
// lift a restriction) and every employee's last known punch state from
// the other kiosks. The kiosk treats the answer as outside input:
// DecodeDownstream reads it strictly (size cap, unknown fields and
// duplicate keys refused, every value checked), and the kiosk ignores
// employees it does not hold and never creates one from it. Like every
// wire type, none of these carries an image, template or descriptor
// (wire_test.go's reflection test covers them).

// PathDownstream is the signed endpoint the relay calls after uploading.
const PathDownstream = "/v1/downstream"

// Downstream limits.
const (
	// MaxStatusChanges is how many status changes one answer carries; the
	// kiosk asks again while More is set.
	MaxStatusChanges = 500
	// MaxRemoteStates bounds the states of one answer (one per employee).
	MaxRemoteStates = MaxEmployees
	// MaxDownstreamBytes caps an answer: 10,000 states of at most about
	// 400 bytes and 500 changes of at most about 1.5 KiB.
	MaxDownstreamBytes = 8 << 20
	// MaxStatusReason bounds a status change's reason, in bytes.
	MaxStatusReason = 500
)

// Status change actions. Lifting a restriction is its own action: the
// absence of a restriction in an answer never lifts one.
const (
	ActionTerminate  = "terminate"
	ActionRestrict   = "restrict"
	ActionUnrestrict = "unrestrict"
)

// DownstreamRequest asks for the status changes after sequence number
// After (the last one this kiosk applied, 0 at first) and the last known
// states. After also tells the hub how far the kiosk has applied.
type DownstreamRequest struct {
	KioskID string `json:"kiosk_id"`
	After   int64  `json:"after"`
}

// StatusChange is one change HR made on the hub. Seq is the hub's
// version of it: strictly increasing across all changes, so a kiosk
// applies each once, in order, and a replayed or older change (Seq at or
// below what the kiosk applied for that employee) cannot undo a newer one.
type StatusChange struct {
	Seq      int64     `json:"seq"`
	Employee string    `json:"employee"`
	Action   string    `json:"action"`
	Reason   string    `json:"reason"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
}

// RemoteState is an employee's state as the hub last knows it from the
// other kiosks' punches (paired as attendance pairs them): Kind is in,
// break_start or out; At is when the punch that set it was taken (its
// corrected time), at KioskID; ShiftStart is the shift's in-punch while in
// or on break.
type RemoteState struct {
	Employee   string    `json:"employee"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	ShiftStart time.Time `json:"shift_start,omitzero"`
	KioskID    string    `json:"kiosk_id"`
	PunchID    string    `json:"punch_id"`
}

// Downstream is the hub's answer.
type Downstream struct {
	Changes []StatusChange `json:"changes"`
	// More says further changes are waiting after the last one here.
	More   bool          `json:"more,omitempty"`
	States []RemoteState `json:"states"`
	// HubTime is when the hub computed the states.
	HubTime time.Time `json:"hub_time"`
}

// DecodeDownstreamRequest reads a request strictly.
func DecodeDownstreamRequest(r io.Reader) (DownstreamRequest, error) {
	var q DownstreamRequest
	if err := decodeStrict(r, MaxPairBytes, &q); err != nil {
		return DownstreamRequest{}, err
	}
	if err := CheckKioskID("kiosk_id", q.KioskID); err != nil {
		return DownstreamRequest{}, err
	}
	if q.After < 0 {
		return DownstreamRequest{}, &ValidationError{"after", "negative"}
	}
	return q, nil
}

// DecodeDownstream reads the hub's answer strictly: at most max bytes,
// unknown fields and duplicate keys refused, every value checked
// (Validate).
func DecodeDownstream(r io.Reader, max int64) (Downstream, error) {
	var d Downstream
	if err := decodeStrict(r, max, &d); err != nil {
		return Downstream{}, err
	}
	if err := d.Validate(); err != nil {
		return Downstream{}, err
	}
	return d, nil
}

// ErrDownstreamOrder says the changes are not in strictly increasing Seq
// order.
var ErrDownstreamOrder = errors.New("status changes not in increasing sequence order")

// Validate checks every field of an answer.
func (d *Downstream) Validate() error {
	if err := checkTime("hub_time", d.HubTime); err != nil {
		return err
	}
	if len(d.Changes) > MaxStatusChanges {
		return &ValidationError{"changes", fmt.Sprintf("%d changes, at most %d", len(d.Changes), MaxStatusChanges)}
	}
	var last int64
	for i, c := range d.Changes {
		f := func(s string) string { return fmt.Sprintf("changes[%d].%s", i, s) }
		if c.Seq <= 0 {
			return &ValidationError{f("seq"), "must be positive"}
		}
		if c.Seq <= last {
			return &ValidationError{f("seq"), ErrDownstreamOrder.Error()}
		}
		last = c.Seq
		if err := checkID(f("employee"), c.Employee); err != nil {
			return err
		}
		switch c.Action {
		case ActionTerminate, ActionRestrict, ActionUnrestrict:
		default:
			return &ValidationError{f("action"), fmt.Sprintf("unknown action %q", truncate(c.Action))}
		}
		if err := checkText(f("reason"), c.Reason, MaxStatusReason); err != nil {
			return err
		}
		if err := checkID(f("actor"), c.Actor); err != nil {
			return err
		}
		if err := checkTime(f("at"), c.At); err != nil {
			return err
		}
	}
	if len(d.States) > MaxRemoteStates {
		return &ValidationError{"states", fmt.Sprintf("%d states, at most %d", len(d.States), MaxRemoteStates)}
	}
	seen := make(map[string]bool, len(d.States))
	for i, s := range d.States {
		f := func(n string) string { return fmt.Sprintf("states[%d].%s", i, n) }
		if err := checkID(f("employee"), s.Employee); err != nil {
			return err
		}
		if seen[s.Employee] {
			return &ValidationError{f("employee"), "duplicate in answer"}
		}
		seen[s.Employee] = true
		switch clockface.PunchKind(s.Kind) {
		case clockface.PunchIn, clockface.BreakStart:
			if err := checkTime(f("shift_start"), s.ShiftStart); err != nil {
				return err
			}
			if s.ShiftStart.After(s.At) {
				return &ValidationError{f("shift_start"), "after the state's time"}
			}
		case clockface.PunchOut:
			if !s.ShiftStart.IsZero() {
				return &ValidationError{f("shift_start"), "set while out"}
			}
		default:
			return &ValidationError{f("kind"), fmt.Sprintf("state %q is not in, break_start or out", truncate(s.Kind))}
		}
		if err := checkTime(f("at"), s.At); err != nil {
			return err
		}
		if err := CheckKioskID(f("kiosk_id"), s.KioskID); err != nil {
			return err
		}
		if err := checkUUID(f("punch_id"), s.PunchID); err != nil {
			return err
		}
	}
	return nil
}
