package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/internal/atomicfile"
	"clockface/sync/wire"
)

// TemplateStore is what sharing needs from a kiosk's ledger.
// *ledger.Ledger implements it.
type TemplateStore interface {
	// Templates returns the templates face matching may use (live
	// consent, active, not restricted).
	Templates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error)
	// SaveTemplate refuses (clockface.ErrNoConsent) without a live consent
	// on this kiosk.
	SaveTemplate(ctx context.Context, t embeddings.Template, actor string) error
	DeleteTemplates(ctx context.Context, number, actor, reason string) error
}

// Hub is what sharing needs from the hub client; *hubclient.Client
// implements it.
type Hub interface {
	KioskID() string
	PushTemplates(ctx context.Context, shares []wire.TemplateShare) (int, error)
	PullTemplates(ctx context.Context, after int64) (wire.TemplatePullResponse, error)
}

// State is what a kiosk remembers between sharing passes, in
// DATA/fleet-state.json: the hub's sequence number it has read up to, and
// a digest of each template it has pushed or imported, so unchanged
// templates are not sent again and imported ones are not echoed back.
type State struct {
	Cursor  int64             `json:"cursor"`
	Digests map[string]string `json:"digests"` // "employee\x00model" → SHA-256 of the template
}

// LoadState reads a state file; a missing file is an empty state.
func LoadState(path string) (State, error) {
	s := State{Digests: map[string]string{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("fleet state: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("fleet state %s: %w", path, err)
	}
	if s.Digests == nil {
		s.Digests = map[string]string{}
	}
	return s, nil
}

// Save writes the state atomically.
func (s State) Save(path string) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}

// MaxFutureSkew is how far ahead of this kiosk's clock a pulled share may
// be dated. Kiosk clocks drift and jump, but not by a day; a share dated
// further ahead would win every later comparison by time (a share dated
// 2199 could never be replaced), so it is refused.
const MaxFutureSkew = 24 * time.Hour

// Report counts one sharing pass.
type Report struct {
	Pushed, Tombstones int // sent to the hub
	Imported, Deleted  int // applied from other kiosks
	NoConsent          int // shares for people without a live consent (or unknown) here: skipped
	// Refusals lists pulled shares that were not applied: sealed under
	// another key, not opening, a tombstone without a valid tag, or dated
	// too far ahead. The rest of the pull is applied regardless; the
	// caller logs these.
	Refusals []Refusal
}

// Refusal is one pulled share that was skipped, and why.
type Refusal struct {
	Seq      int64  // the hub's sequence number of the share
	Origin   string // the kiosk the hub says sent it
	Employee string
	Model    string
	Deleted  bool // a tombstone
	Err      error
}

func (r Refusal) String() string {
	kind := "share"
	if r.Deleted {
		kind = "tombstone"
	}
	return fmt.Sprintf("fleet: refused %s #%d of %s (%s) from %s: %v", kind, r.Seq, r.Employee, r.Model, r.Origin, r.Err)
}

// ErrFutureShare says a share is dated more than MaxFutureSkew ahead.
var ErrFutureShare = errors.New("share dated too far in the future")

func stateKey(employee, model string) string { return employee + "\x00" + model }

func digest(t embeddings.Template) (string, error) {
	b, err := t.MarshalBinary()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	clear(b)
	return hex.EncodeToString(sum[:]), nil
}

// Share runs one pass for model m: it pulls other kiosks' shares and
// applies them (a template is imported only where this kiosk's ledger has
// a live consent; a tombstone with a valid tag deletes the local template;
// a share that does not open or verify, or is dated more than
// MaxFutureSkew after now, is skipped and listed in Report.Refusals, and
// the others are applied), then pushes
// this kiosk's new or changed templates and a tombstone for each one that
// is gone (withdrawn, terminated, restricted, erased). st is updated; the
// caller saves it.
func Share(ctx context.Context, key *Key, hub Hub, store TemplateStore, m embeddings.Model, st *State, now time.Time) (Report, error) {
	var r Report
	model := m.String()
	self := hub.KioskID()
	for {
		resp, err := hub.PullTemplates(ctx, st.Cursor)
		if err != nil {
			return r, fmt.Errorf("pull shares: %w", err)
		}
		for _, sh := range resp.Shares {
			if sh.Origin == self || sh.Model != model {
				continue
			}
			refuse := func(err error) {
				r.Refusals = append(r.Refusals, Refusal{Seq: sh.Seq, Origin: sh.Origin, Employee: sh.Employee,
					Model: sh.Model, Deleted: sh.Deleted, Err: err})
			}
			if sh.At.After(now.Add(MaxFutureSkew)) {
				refuse(fmt.Errorf("%w: %s, more than %s after %s", ErrFutureShare,
					sh.At.UTC().Format(time.RFC3339), MaxFutureSkew, now.UTC().Format(time.RFC3339)))
				continue
			}
			k := stateKey(sh.Employee, sh.Model)
			if sh.Deleted {
				if err := key.VerifyTombstone(sh.TemplateShare); err != nil {
					refuse(err)
					continue
				}
				err := store.DeleteTemplates(ctx, sh.Employee, "fleet:"+sh.Origin, "deleted on kiosk "+sh.Origin)
				if err != nil && !errors.Is(err, clockface.ErrUnknownEmployee) {
					return r, fmt.Errorf("apply tombstone for %s: %w", sh.Employee, err)
				}
				delete(st.Digests, k)
				r.Deleted++
				continue
			}
			t, err := key.Open(sh.TemplateShare)
			if err != nil {
				refuse(err)
				continue
			}
			err = store.SaveTemplate(ctx, t, "fleet:"+sh.Origin)
			if errors.Is(err, clockface.ErrNoConsent) || errors.Is(err, clockface.ErrUnknownEmployee) || errors.Is(err, clockface.ErrTerminated) {
				r.NoConsent++
				continue
			}
			if err != nil {
				return r, fmt.Errorf("import template of %s: %w", sh.Employee, err)
			}
			if st.Digests[k], err = digest(t); err != nil {
				return r, err
			}
			r.Imported++
		}
		st.Cursor = resp.Next
		if len(resp.Shares) < wire.MaxPullShares {
			break
		}
	}

	local, err := store.Templates(ctx, m)
	if err != nil {
		return r, fmt.Errorf("local templates: %w", err)
	}
	var out []wire.TemplateShare
	present := map[string]bool{}
	next := map[string]string{}
	for _, t := range local {
		k := stateKey(t.Owner, model)
		present[k] = true
		d, err := digest(t)
		if err != nil {
			return r, err
		}
		if st.Digests[k] == d {
			continue
		}
		sh, err := key.Seal(t, now)
		if err != nil {
			return r, err
		}
		out = append(out, sh)
		next[k] = d
		r.Pushed++
	}
	for k := range st.Digests {
		emp, mod, _ := cut(k)
		if mod != model || present[k] {
			continue
		}
		out = append(out, key.Tombstone(emp, mod, now))
		next[k] = ""
		r.Tombstones++
	}
	for i := 0; i < len(out); i += wire.MaxShares {
		if _, err := hub.PushTemplates(ctx, out[i:min(i+wire.MaxShares, len(out))]); err != nil {
			return r, fmt.Errorf("push shares: %w", err)
		}
	}
	for k, d := range next {
		if d == "" {
			delete(st.Digests, k)
		} else {
			st.Digests[k] = d
		}
	}
	return r, nil
}

func cut(k string) (employee, model string, ok bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}
