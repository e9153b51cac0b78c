package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/sync/wire"
)

// schemaProblems walks the types and reports every field that could carry
// image or embedding bytes: byte/float slices, interfaces, or a name that
// suggests biometrics. It returns the problems and how many struct types
// it walked.
func schemaProblems(types ...any) ([]string, int) {
	banned := []string{"image", "snapshot", "embedding", "descriptor", "template", "jpeg", "photo", "face", "sample"}
	var problems []string
	seen := map[reflect.Type]bool{}
	var walk func(path string, tp reflect.Type)
	walk = func(path string, tp reflect.Type) {
		switch tp.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			if tp.Kind() == reflect.Slice || tp.Kind() == reflect.Array {
				switch tp.Elem().Kind() {
				case reflect.Uint8, reflect.Float32, reflect.Float64, reflect.Int8, reflect.Uint16, reflect.Int16:
					problems = append(problems, fmt.Sprintf("%s is %s: could carry image or descriptor bytes", path, tp))
				}
			}
			if tp.Kind() == reflect.Map {
				walk(path+"[key]", tp.Key())
			}
			walk(path+"[]", tp.Elem())
		case reflect.Interface:
			problems = append(problems, path+" is an interface: could carry anything")
		case reflect.Struct:
			if seen[tp] || tp == reflect.TypeOf(time.Time{}) {
				return
			}
			seen[tp] = true
			for i := range tp.NumField() {
				f := tp.Field(i)
				name := strings.ToLower(f.Name + " " + f.Tag.Get("json"))
				if f.Anonymous {
					name = ""
				}
				for _, b := range banned {
					if strings.Contains(name, b) {
						problems = append(problems, fmt.Sprintf("%s.%s: field name suggests biometric data (%q)", path, f.Name, b))
					}
				}
				walk(path+"."+f.Name, f.Type)
			}
		}
	}
	for _, v := range types {
		tp := reflect.TypeOf(v)
		walk(tp.Name(), tp)
	}
	return problems, len(seen)
}

// TestNoBiometricFields: no sync message can carry image or embedding
// bytes (privacy promise 7).
func TestNoBiometricFields(t *testing.T) {
	problems, walked := schemaProblems(wire.Batch{}, wire.BatchResponse{}, wire.PairRequest{}, wire.PairResponse{}, wire.ErrorResponse{})
	for _, p := range problems {
		t.Error(p)
	}
	if walked < 8 {
		t.Fatalf("walked %d struct types, want the whole schema", walked)
	}
}

// TestTemplateShareCarriesOnlyCiphertext: the opt-in sharing messages
// have no byte or float fields either; their one payload field is the
// sealed string, which the hub cannot open.
func TestTemplateShareCarriesOnlyCiphertext(t *testing.T) {
	problems, walked := schemaProblems(wire.TemplatePush{}, wire.TemplatePull{}, wire.TemplatePullResponse{}, wire.TemplatePushResponse{})
	for _, p := range problems {
		t.Error(p)
	}
	if walked < 5 {
		t.Fatalf("walked %d struct types, want 5", walked)
	}
	var strs []string
	tp := reflect.TypeOf(wire.TemplateShare{})
	for i := range tp.NumField() {
		if tp.Field(i).Type.Kind() == reflect.String {
			strs = append(strs, tp.Field(i).Name)
		}
	}
	if got, want := strings.Join(strs, ","), "Employee,Model,KeyID,Sealed"; got != want {
		t.Errorf("TemplateShare string fields: got %s, want %s (a new field needs a privacy review)", got, want)
	}
	// The walker does catch a forbidden field.
	type bad struct{ Descriptor []float32 }
	if p, _ := schemaProblems(bad{}); len(p) != 2 {
		t.Errorf("walker found %v in a bad type, want 2 problems", p)
	}
}

// TestFromPunchDropsSnapshot: a punch's snapshot id never leaves the kiosk.
func TestFromPunchDropsSnapshot(t *testing.T) {
	p := clockface.Punch{ID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", EmployeeNumber: "E1", Kind: clockface.PunchIn,
		Method: clockface.MethodFace, At: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), KioskID: "k1",
		Evidence: clockface.Evidence{Distance: 0.31, Margin: 0.2, SnapshotID: 4242, Model: "dlib"}}
	b, err := json.Marshal(wire.FromPunch(p))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("4242")) || bytes.Contains(b, []byte("snapshot")) {
		t.Errorf("wire punch %s carries the snapshot reference", b)
	}
	got := wire.FromPunch(p).Domain()
	want := p
	want.Evidence.SnapshotID = 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip: got %+v, want %+v", got, want)
	}
}

func signed(t *testing.T, body []byte, key string, secret []byte, created time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/v1/batches", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	wire.Sign(req, body, key, secret, created, wire.NewNonce())
	return req
}

func TestSignVerify(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	body := []byte(`{"x":1}`)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		tamper func(r *http.Request) []byte
		want   error
	}{
		{"untouched", func(r *http.Request) []byte { return body }, nil},
		{"body changed", func(r *http.Request) []byte { return []byte(`{"x":2}`) }, wire.ErrBadDigest},
		{"body and digest changed", func(r *http.Request) []byte {
			b := []byte(`{"x":2}`)
			r.Header.Set("Content-Digest", wire.ContentDigest(b))
			return b
		}, wire.ErrBadSignature},
		{"path changed", func(r *http.Request) []byte { r.URL.Path = "/v1/pair"; return body }, wire.ErrBadSignature},
		{"method changed", func(r *http.Request) []byte { r.Method = http.MethodPut; return body }, wire.ErrBadSignature},
		{"created changed", func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), "created=", "created=1", 1))
			return body
		}, wire.ErrBadSignature},
		{"nonce changed", func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), `nonce="`, `nonce="AAAA`, 1))
			return body
		}, wire.ErrBadSignature},
		{"signature garbled", func(r *http.Request) []byte { r.Header.Set("Signature", "sig1=:AAAA:"); return body }, wire.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signed(t, body, "kiosk-1", secret, now)
			b := tt.tamper(req)
			p, err := wire.ParseSignature(req.Header)
			if err == nil {
				err = wire.Verify(req, b, p, secret)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want == nil && (p.KeyID != "kiosk-1" || !p.Created.Equal(now)) {
				t.Errorf("got params %+v, want keyid kiosk-1 created %s", p, now)
			}
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		req := signed(t, body, "kiosk-1", secret, now)
		p, err := wire.ParseSignature(req.Header)
		if err != nil {
			t.Fatal(err)
		}
		if got := wire.Verify(req, body, p, []byte("another secret entirely........")); !errors.Is(got, wire.ErrBadSignature) {
			t.Errorf("got %v, want ErrBadSignature", got)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		if _, got := wire.ParseSignature(http.Header{}); !errors.Is(got, wire.ErrNoSignature) {
			t.Errorf("got %v, want ErrNoSignature", got)
		}
	})
}

const (
	evID    = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
	punchID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"
)

func validBatch() string {
	return `{"kiosk_id":"k1","kiosk_clock":"2026-03-01T12:00:00Z","audit_head":{"seq":7,"hash":"ab12"},
"events":[{"id":"` + evID + `","seq":1,"type":"punch","at":"2026-03-01T09:00:00Z",
"punch":{"id":"` + punchID + `","employee":"E1","kind":"in","method":"pin","at":"2026-03-01T09:00:00Z","kiosk_id":"k1","evidence":{}}}],
"employees":[{"number":"E1","name":"Ann","status":"active"}]}`
}

func TestDecodeBatch(t *testing.T) {
	ok := validBatch()
	tests := []struct {
		name string
		body string
		want string // substring of the error; "" = valid
	}{
		{"valid", ok, ""},
		{"not json", `{"kiosk_id":`, "malformed json"},
		{"unknown field", strings.Replace(ok, `"kiosk_id":"k1",`, `"kiosk_id":"k1","image":"AAAA",`, 1), "unknown field"},
		{"unknown nested field", strings.Replace(ok, `"evidence":{}`, `"evidence":{"descriptor":[0.1]}`, 1), "unknown field"},
		{"trailing data", ok + `{}`, "trailing data"},
		{"bad uuid", strings.Replace(ok, evID, "not-a-uuid", 1), "events[0].id"},
		{"uppercase uuid", strings.Replace(ok, evID, strings.ToUpper(evID), 1), "events[0].id"},
		{"bad kind", strings.Replace(ok, `"kind":"in"`, `"kind":"lunch"`, 1), "events[0].punch.kind"},
		{"bad method", strings.Replace(ok, `"method":"pin"`, `"method":"retina"`, 1), "events[0].punch.method"},
		{"bad type", strings.Replace(ok, `"type":"punch"`, `"type":"delete"`, 1), "events[0].type"},
		{"correction without correction", strings.Replace(ok, `"type":"punch"`, `"type":"correction"`, 1), "punch.correction"},
		{"zero time", strings.Replace(ok, `"at":"2026-03-01T09:00:00Z","kiosk_id"`, `"at":"0001-01-01T00:00:00Z","kiosk_id"`, 1), "punch.at"},
		{"bad kiosk id", strings.Replace(ok, `"kiosk_id":"k1","kiosk_clock"`, `"kiosk_id":"k\"1","kiosk_clock"`, 1), "kiosk_id"},
		{"zero seq", strings.Replace(ok, `"seq":1,`, `"seq":0,`, 1), "events[0].seq"},
		{"control char in name", strings.Replace(ok, `"name":"Ann"`, `"name":"A\u0000nn"`, 1), "employees[0].name"},
		{"bad hash", strings.Replace(ok, `"hash":"ab12"`, `"hash":"ab 12"`, 1), "audit_head.hash"},
		{"duplicate top-level key", strings.Replace(ok, `"kiosk_id":"k1",`, `"kiosk_id":"k1","kiosk_id":"k1",`, 1), "duplicate key"},
		{"duplicate nested key", strings.Replace(ok, `"kind":"in"`, `"kind":"out","kind":"in"`, 1), "duplicate key"},
		{"duplicate key differing in case", strings.Replace(ok, `"kind":"in"`, `"kind":"out","KIND":"in"`, 1), "duplicate key"},
		{"duplicate key in employees", strings.Replace(ok, `"name":"Ann"`, `"name":"Ann","name":"Bob"`, 1), "duplicate key"},
		{"same key in sibling objects", ok, ""},
		{"duplicate event", strings.Replace(ok, `}}],`, `}},{"id":"`+evID+`","seq":2,"type":"punch","at":"2026-03-01T09:00:00Z","punch":{"id":"`+punchID+`","employee":"E1","kind":"in","method":"pin","at":"2026-03-01T09:00:00Z","kiosk_id":"k1","evidence":{}}}],`, 1), "duplicate in batch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeBatch(strings.NewReader(tt.body), wire.MaxBatchBytes)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("oversized", func(t *testing.T) {
		_, err := wire.DecodeBatch(strings.NewReader(ok), int64(len(ok)-1))
		if !errors.Is(err, wire.ErrTooLarge) {
			t.Fatalf("got %v, want ErrTooLarge", err)
		}
	})
	t.Run("too many events", func(t *testing.T) {
		b, err := wire.DecodeBatch(strings.NewReader(ok), wire.MaxBatchBytes)
		if err != nil {
			t.Fatal(err)
		}
		for i := range wire.MaxBatchEvents {
			e := b.Events[0]
			e.ID = strings.Replace(evID, "0c1d2e3f4a5b", strings.Repeat("0", 8)+string("0123456789abcdef"[i/256%16])+string("0123456789abcdef"[i/16%16])+string("0123456789abcdef"[i%16])+"f", 1)
			b.Events = append(b.Events, e)
		}
		data, _ := json.Marshal(b)
		if _, err := wire.DecodeBatch(bytes.NewReader(data), wire.MaxBatchBytes); err == nil || !strings.Contains(err.Error(), "at most 500") {
			t.Fatalf("got %v, want an error about 500 events", err)
		}
	})
}

// FuzzDecodeBatch: the decoder never panics, and whatever it accepts
// re-encodes and decodes to the same batch.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(validBatch()))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"events":null}`))
	f.Add([]byte(`{"kiosk_id":"k1","kiosk_clock":"2026-03-01T12:00:00Z","events":[]}`))
	f.Add([]byte(strings.Replace(validBatch(), `"type":"punch"`, `"type":"void"`, 1)))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := wire.DecodeBatch(bytes.NewReader(data), wire.MaxBatchBytes)
		if err != nil {
			return
		}
		again, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		b2, err := wire.DecodeBatch(bytes.NewReader(again), wire.MaxBatchBytes)
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, again, err)
		}
		if !reflect.DeepEqual(normalise(b), normalise(b2)) {
			t.Fatalf("round trip changed the batch:\n%+v\n%+v", b, b2)
		}
	})
}

func normalise(b wire.Batch) wire.Batch {
	if len(b.Events) == 0 {
		b.Events = nil
	}
	if len(b.Employees) == 0 {
		b.Employees = nil
	}
	return b
}
