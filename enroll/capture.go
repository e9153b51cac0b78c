package enroll

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // the engines take JPEG, PNG and GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"clockface"
	"clockface/embeddings"
)

// ErrIncomplete says the frames ran out before every sample was taken.
var ErrIncomplete = errors.New("not enough good samples")

// Frame is one frame to offer a Session.
type Frame struct {
	// Label names the frame in feedback: a file name or "frame 12".
	Label string
	// JPEG is the encoded frame (PNG and GIF work too).
	JPEG []byte
}

// Frames is a source of frames to offer. Next returns io.EOF when the
// source has no more. A camera or video adapter belongs to the caller:
// this package reads no device.
type Frames interface {
	Next(ctx context.Context) (Frame, error)
}

// imageFrames offers photos read from files.
type imageFrames struct{ frames []Frame }

func (f *imageFrames) Next(context.Context) (Frame, error) {
	if len(f.frames) == 0 {
		return Frame{}, io.EOF
	}
	fr := f.frames[0]
	f.frames = f.frames[1:]
	return fr, nil
}

// ImageFiles reads photos to enrol from. Every file is read and checked
// to be a decodable image now, before any notice is shown, so a typo costs
// no consent record. The frames are labelled with the file names.
func ImageFiles(paths []string) (Frames, error) {
	f := &imageFrames{frames: make([]Frame, len(paths))}
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("enroll: %w", err)
		}
		if _, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("enroll: %s: %w: %v", p, embeddings.ErrNotImage, err)
		}
		f.frames[i] = Frame{Label: filepath.Base(p), JPEG: b}
	}
	return f, nil
}

// Observer hears each frame's feedback during Capture, to show progress.
type Observer interface {
	// Accepted is called for each sample taken.
	Accepted(label string, fb Feedback)
	// Rejected is called for a frame not taken, when its reason is worth
	// telling (see Plan.EveryReason).
	Rejected(label string, fb Feedback)
}

// CaptureReport counts what Capture saw.
type CaptureReport struct {
	Frames   int
	Rejected map[Reason]int
}

// Capture offers frames to s until it is complete, the frames end or ctx
// is done. Every rejection is told to obs with everyReason (photos, each
// one chosen); otherwise only a change of reason is (a video repeats one
// reason for many frames). Frames running out early is ErrIncomplete.
func Capture(ctx context.Context, s *Session, frames Frames, obs Observer, everyReason bool) (CaptureReport, error) {
	rep := CaptureReport{Rejected: map[Reason]int{}}
	var last Reason
	for !s.Complete() {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("enroll: stopped after %d frames: %w", rep.Frames, err)
		}
		fr, err := frames.Next(ctx)
		if errors.Is(err, io.EOF) {
			got, want := s.Progress()
			return rep, fmt.Errorf("enroll: frames ran out with %d of %d good samples: nothing stored (consent kept): %w", got, want, ErrIncomplete)
		}
		if err != nil {
			return rep, fmt.Errorf("enroll: after %d frames: %w", rep.Frames, err)
		}
		rep.Frames++
		fb, err := s.Offer(fr.JPEG)
		if err != nil {
			return rep, fmt.Errorf("enroll: %s: %w", fr.Label, err)
		}
		if fb.Accepted {
			last = ReasonNone
			if obs != nil {
				obs.Accepted(fr.Label, fb)
			}
			continue
		}
		rep.Rejected[fb.Reason]++
		if obs != nil && (everyReason || fb.Reason != last) {
			obs.Rejected(fr.Label, fb)
		}
		last = fb.Reason
	}
	return rep, nil
}

// Summary is the outcome of one enrolment, as the CLI prints it (and as
// its --json).
type Summary struct {
	Employee        string             `json:"employee"`
	Declined        bool               `json:"declined"`
	Notice          Notice             `json:"notice"`
	Consent         *clockface.Consent `json:"consent,omitempty"`
	Model           string             `json:"model,omitempty"`
	Samples         int                `json:"samples"`
	Frames          int                `json:"frames"`
	Rejected        map[Reason]int     `json:"rejected,omitempty"`
	Snapshots       []int64            `json:"snapshots,omitempty"`
	Nearest         string             `json:"nearest,omitempty"`
	NearestDistance float64            `json:"nearest_distance,omitempty"`
}

// Plan is how Drive runs a session.
type Plan struct {
	// Locale is the notice's language ("": see NoticeLocale).
	Locale string
	// Decline records a refusal (PIN/badge only) instead of a consent;
	// nothing is captured.
	Decline bool
	// Signature is the typed full name that signs the consent.
	Signature string
	// ShowNotice shows the notice to the person before they decide.
	ShowNotice func(Notice) error
	// Frames are offered until the session is complete.
	Frames Frames
	// EveryReason tells obs every rejection, not only a changed reason.
	EveryReason bool
	// Observer (may be nil) hears each frame's feedback.
	Observer Observer
}

// Drive runs a session from the notice to the stored template (or the
// recorded refusal): notice, consent, capture, duplicate check, storage.
// A duplicate face is a *DuplicateError (errors.Is ErrDuplicate) and
// stores nothing.
func Drive(ctx context.Context, s *Session, p Plan) (Summary, error) {
	if p.ShowNotice == nil {
		return Summary{}, errors.New("enroll: no way to show the notice")
	}
	n, err := s.Notice(p.Locale)
	if err != nil {
		return Summary{}, fmt.Errorf("enroll: %w", err)
	}
	if err := p.ShowNotice(n); err != nil {
		return Summary{}, err
	}
	sum := Summary{Employee: s.who.Number, Notice: n}
	if p.Decline {
		if _, err := s.Decline(ctx); err != nil {
			return Summary{}, fmt.Errorf("enroll: %w", err)
		}
		sum.Declined = true
		return sum, nil
	}
	if s.eng == nil {
		return Summary{}, errors.New("enroll: no face engine to capture with")
	}
	c, err := s.Consent(ctx, p.Signature)
	if err != nil {
		return Summary{}, fmt.Errorf("enroll: %w", err)
	}
	sum.Consent, sum.Model = &c, s.eng.Model().String()
	rep, err := Capture(ctx, s, p.Frames, p.Observer, p.EveryReason)
	sum.Frames, sum.Rejected = rep.Frames, rep.Rejected
	if err != nil {
		return sum, err
	}
	res, err := s.Finish(ctx)
	if err != nil {
		return sum, err
	}
	sum.Samples, sum.Snapshots = res.Samples, res.Snapshots
	sum.Nearest, sum.NearestDistance = res.Nearest, res.NearestDistance
	return sum, nil
}

// NoticeLocale is the language to show the notice in: the one asked for,
// else the employee's own, else English.
func NoticeLocale(ctx context.Context, store Store, number, asked string) string {
	if asked != "" {
		return asked
	}
	if e, err := store.Employee(ctx, number); err == nil && e.Locale != "" {
		return e.Locale
	}
	return "en"
}

// IsNew reports whether the store does not know the employee yet (an
// enrolment would add them).
func IsNew(ctx context.Context, store Store, number string) (bool, error) {
	_, err := store.Employee(ctx, number)
	if errors.Is(err, clockface.ErrUnknownEmployee) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("enroll: %w", err)
	}
	return false, nil
}

// WriteText prints the summary for people, with times in loc.
func (s Summary) WriteText(w io.Writer, loc *time.Location) error {
	if s.Declined {
		_, err := fmt.Fprintf(w, "%s declined face enrolment (notice %s, %s): PIN/badge only, nothing captured\n", s.Employee, s.Notice.Version, s.Notice.Locale)
		return err
	}
	signed := ""
	if s.Consent != nil {
		signed = fmt.Sprintf("consent %d signed %s", s.Consent.ID, s.Consent.SignedAt.In(loc).Format("2006-01-02 15:04:05 MST"))
	}
	if _, err := fmt.Fprintf(w, "enrolled %s: %d samples from %d frames, model %s, %s (notice %s, %s)\n",
		s.Employee, s.Samples, s.Frames, s.Model, signed, s.Notice.Version, s.Notice.Locale); err != nil {
		return err
	}
	if len(s.Snapshots) > 0 {
		fmt.Fprintf(w, "kept %d encrypted enrolment images (deleted after 90 days)\n", len(s.Snapshots))
	}
	if s.Nearest != "" {
		fmt.Fprintf(w, "nearest other employee: %s at distance %.3f\n", s.Nearest, s.NearestDistance)
	}
	return nil
}
