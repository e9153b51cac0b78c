package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"clockface/sync/wire"
)

const (
	goodState  = `{"employee":"E1","kind":"in","at":"2026-03-02T08:00:00Z","shift_start":"2026-03-02T08:00:00Z","kiosk_id":"front","punch_id":"0190f5d2-3c4e-7a1b-8c2d-0123456789ab"}`
	goodChange = `{"seq":7,"employee":"E1","action":"terminate","reason":"left the company","actor":"hr@example.com","at":"2026-03-02T09:00:00Z"}`
)

func downstreamJSON(changes, states string) string {
	return `{"changes":[` + changes + `],"states":[` + states + `],"hub_time":"2026-03-02T10:00:00Z"}`
}

// TestDecodeDownstream: the kiosk reads the hub's answer strictly; each
// bad answer is refused with the field named.
func TestDecodeDownstream(t *testing.T) {
	tests := []struct {
		name, body string
		wantField  string // "" = accepted
	}{
		{"good", downstreamJSON(goodChange, goodState), ""},
		{"empty", downstreamJSON("", ""), ""},
		{"out without shift start", downstreamJSON("", strings.Replace(strings.Replace(goodState, `"in"`, `"out"`, 1), `"shift_start":"2026-03-02T08:00:00Z",`, "", 1)), ""},
		{"unknown action", downstreamJSON(strings.Replace(goodChange, "terminate", "rehire", 1), ""), "changes[0].action"},
		{"zero seq", downstreamJSON(strings.Replace(goodChange, `"seq":7`, `"seq":0`, 1), ""), "changes[0].seq"},
		{"seq out of order", downstreamJSON(goodChange+","+goodChange, ""), "changes[1].seq"},
		{"control character in reason", downstreamJSON(strings.Replace(goodChange, "left the company", `left\u0000`, 1), ""), "changes[0].reason"},
		{"reason too long", downstreamJSON(strings.Replace(goodChange, "left the company", strings.Repeat("x", wire.MaxStatusReason+1), 1), ""), "changes[0].reason"},
		{"empty actor", downstreamJSON(strings.Replace(goodChange, "hr@example.com", "", 1), ""), "changes[0].actor"},
		{"unknown state", downstreamJSON("", strings.Replace(goodState, `"in"`, `"break_end"`, 1)), "states[0].kind"},
		{"in without shift start", downstreamJSON("", strings.Replace(goodState, `"shift_start":"2026-03-02T08:00:00Z",`, "", 1)), "states[0].shift_start"},
		{"shift start after the state", downstreamJSON("", strings.Replace(goodState, `"shift_start":"2026-03-02T08:00:00Z"`, `"shift_start":"2026-03-02T09:00:00Z"`, 1)), "states[0].shift_start"},
		{"out with shift start", downstreamJSON("", strings.Replace(goodState, `"in"`, `"out"`, 1)), "states[0].shift_start"},
		{"employee twice", downstreamJSON("", goodState+","+goodState), "states[1].employee"},
		{"bad punch id", downstreamJSON("", strings.Replace(goodState, "0190f5d2", "0190F5D2", 1)), "states[0].punch_id"},
		{"bad kiosk id", downstreamJSON("", strings.Replace(goodState, `"front"`, `"front door"`, 1)), "states[0].kiosk_id"},
		{"no hub time", `{"changes":[],"states":[]}`, "hub_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeDownstream(strings.NewReader(tt.body), wire.MaxDownstreamBytes)
			var ve *wire.ValidationError
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("got %v, want accepted", err)
			case tt.wantField != "" && (!errors.As(err, &ve) || ve.Field != tt.wantField):
				t.Fatalf("got %v, want a validation error on %s", err, tt.wantField)
			}
		})
	}
}

// TestDecodeDownstreamRefusesBiometricsAndExtras: an answer with a field
// the schema lacks (a template, say), a duplicate key, or over the size
// cap is refused whole.
func TestDecodeDownstreamRefusesBiometricsAndExtras(t *testing.T) {
	for name, body := range map[string]string{
		"template field": strings.Replace(downstreamJSON("", goodState), `"kiosk_id":"front"`, `"kiosk_id":"front","template":[0.1,0.2]`, 1),
		"duplicate key":  strings.Replace(downstreamJSON(goodChange, ""), `"seq":7`, `"seq":7,"seq":9`, 1),
		"trailing data":  downstreamJSON("", "") + "{}",
	} {
		if _, err := wire.DecodeDownstream(strings.NewReader(body), wire.MaxDownstreamBytes); err == nil {
			t.Errorf("%s: accepted, want refused", name)
		}
	}
	big := downstreamJSON("", goodState)
	if _, err := wire.DecodeDownstream(strings.NewReader(big), int64(len(big)-1)); !errors.Is(err, wire.ErrTooLarge) {
		t.Errorf("over the cap: got %v, want ErrTooLarge", err)
	}
}

// TestDownstreamCarriesNoBiometrics: the downstream messages have no
// field that could carry an image or a descriptor.
func TestDownstreamCarriesNoBiometrics(t *testing.T) {
	problems, walked := schemaProblems(wire.Downstream{}, wire.DownstreamRequest{})
	for _, p := range problems {
		t.Error(p)
	}
	if walked < 4 {
		t.Fatalf("walked %d struct types, want 4", walked)
	}
}

func TestDecodeDownstreamRequest(t *testing.T) {
	for body, ok := range map[string]bool{
		`{"kiosk_id":"k1","after":0}`:       true,
		`{"kiosk_id":"k1","after":-1}`:      false,
		`{"kiosk_id":"","after":3}`:         false,
		`{"kiosk_id":"k1","after":3,"x":1}`: false,
		`{"kiosk_id":"k1","kiosk_id":"k2"}`: false,
	} {
		_, err := wire.DecodeDownstreamRequest(strings.NewReader(body))
		if (err == nil) != ok {
			t.Errorf("%s: got %v, want accepted=%v", body, err, ok)
		}
	}
}

// FuzzDecodeDownstream: the kiosk's decoder of the hub's answer never
// panics, and what it accepts survives a round trip unchanged.
func FuzzDecodeDownstream(f *testing.F) {
	f.Add([]byte(downstreamJSON(goodChange, goodState)))
	f.Add([]byte(downstreamJSON("", "")))
	f.Add([]byte(downstreamJSON(goodChange+","+goodChange, "")))
	f.Add([]byte(`{"changes":null,"states":null,"more":true,"hub_time":"2026-03-02T10:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := wire.DecodeDownstream(bytes.NewReader(data), wire.MaxDownstreamBytes)
		if err != nil {
			return
		}
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		d2, err := wire.DecodeDownstream(bytes.NewReader(again), wire.MaxDownstreamBytes)
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, again, err)
		}
		third, _ := json.Marshal(d2)
		if !bytes.Equal(again, third) {
			t.Fatalf("round trip: got %s, want %s", third, again)
		}
		for _, s := range d.States {
			if s.At.Year() < 2000 || s.At.After(time.Date(2201, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("accepted state time %v", s.At)
			}
		}
	})
}
