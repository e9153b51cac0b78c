package liveness

import (
	"image"
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC)

// face makes 5 dlib-style landmarks: eyes ±half apart around (cx, 100),
// the nose yaw·eye distance along the eye line, all rotated by rot radians
// and squeezed horizontally by sx (1: none), as a tilted photo would be.
func face(cx, scale, yaw, rot, sx float64) []image.Point {
	half := 30 * scale
	raw := [][2]float64{
		{-half - 8*scale, 0}, {-half + 8*scale, 0},
		{half - 8*scale, 0}, {half + 8*scale, 0},
		{yaw * 2 * half, 40 * scale},
	}
	pts := make([]image.Point, len(raw))
	for i, p := range raw {
		x := p[0]*math.Cos(rot) - p[1]*math.Sin(rot)
		y := p[0]*math.Sin(rot) + p[1]*math.Cos(rot)
		pts[i] = image.Pt(int(math.Round(cx+x*sx)), int(math.Round(100+y)))
	}
	return pts
}

func obs(i int, pts []image.Point) Observation {
	return Observation{At: t0.Add(time.Duration(i) * 100 * time.Millisecond), Landmarks: pts}
}

// run feeds frames until a verdict or the end.
func run(cfg Config, c Challenge, frames [][]image.Point) Result {
	j := NewJudge(cfg, c)
	var r Result
	for i, f := range frames {
		if r = j.Observe(obs(i, f)); r.Verdict != Pending {
			break
		}
	}
	return r
}

func TestAStillPictureNeverPasses(t *testing.T) {
	n := int(DefaultTimeLimit/(100*time.Millisecond)) + 10
	var still, handHeld [][]image.Point
	for i := range n { // past the time limit
		still = append(still, face(200, 1, 0.02, 0, 1))
		// A photo waved, brought closer, rotated and tilted about its
		// vertical axis: all rigid or affine, so the face keeps its shape.
		fi := float64(i)
		handHeld = append(handHeld, face(200+10*math.Sin(fi), 1+0.02*fi, 0.02, 0.05*math.Sin(fi/3), 1-0.15*math.Abs(math.Sin(fi/5))))
	}
	for _, c := range []Challenge{TurnLeft, TurnRight, Closer, AnyMove} {
		for name, frames := range map[string][][]image.Point{"still": still, "hand-held": handHeld} {
			r := run(Defaults(), c, frames)
			if got, want := r.Verdict, Failed; got != want {
				t.Errorf("%s photo, %s: got %v, want %v (%v)", name, c, got, want, r)
			}
		}
	}
}

func TestTurnsPassOnlyTheirOwnChallenge(t *testing.T) {
	turn := func(sign float64) [][]image.Point {
		var fs [][]image.Point
		for i := range int(DefaultTimeLimit/(100*time.Millisecond)) + 10 {
			y := sign * 0.3 * math.Min(1, float64(i)/10) // turn over 1 s, then hold
			fs = append(fs, face(200, 1, y, 0, 1))
		}
		return fs
	}
	tests := []struct {
		c      Challenge
		frames [][]image.Point
		want   Verdict
	}{
		{TurnLeft, turn(+1), Passed},
		{TurnRight, turn(-1), Passed},
		{TurnLeft, turn(-1), Failed},
		{TurnRight, turn(+1), Failed},
		{AnyMove, turn(+1), Passed},
		{AnyMove, turn(-1), Passed},
		{Closer, turn(+1), Failed},
	}
	for _, tt := range tests {
		r := run(Defaults(), tt.c, tt.frames)
		if got := r.Verdict; got != tt.want {
			t.Errorf("%s on a turn to x%+d: got %v, want %v (%v)", tt.c, tt.frames[len(tt.frames)-1][4].X-200, got, tt.want, r)
		}
	}
	if r := run(Defaults(), TurnLeft, turn(+1)); r.Elapsed > 2*time.Second {
		t.Errorf("the pass took %v; it should come as soon as the turn is made", r.Elapsed)
	}
}

func TestCloserNeedsALiveFace(t *testing.T) {
	var live, photo [][]image.Point
	for i := range int(DefaultTimeLimit/(100*time.Millisecond)) + 10 {
		s := 1 + 0.02*float64(i)
		live = append(live, face(200, s, 0.05*math.Sin(float64(i)/2), 0, 1))
		photo = append(photo, face(200, s, 0.05, 0, 1))
	}
	if got, want := run(Defaults(), Closer, live).Verdict, Passed; got != want {
		t.Errorf("live face coming closer: got %v, want %v", got, want)
	}
	if got, want := run(Defaults(), Closer, photo).Verdict, Failed; got != want {
		t.Errorf("photo coming closer: got %v, want %v", got, want)
	}
}

func TestTickFailsWhenFramesStop(t *testing.T) {
	j := NewJudge(Defaults(), TurnLeft)
	j.Observe(obs(0, face(200, 1, 0, 0, 1)))
	if got, want := j.Tick(t0.Add(DefaultTimeLimit)).Verdict, Pending; got != want {
		t.Errorf("at the limit: got %v, want %v", got, want)
	}
	r := j.Tick(t0.Add(DefaultTimeLimit + time.Millisecond))
	if got, want := r.Verdict, Failed; got != want {
		t.Errorf("past the limit: got %v, want %v", got, want)
	}
	if got, want := r.Reason, "no head movement (a photo?)"; got != want {
		t.Errorf("reason: got %q, want %q", got, want)
	}
}

func TestTooFewFramesDoNotPass(t *testing.T) {
	j := NewJudge(Defaults(), AnyMove)
	j.Observe(obs(0, face(200, 1, 0, 0, 1)))
	if got, want := j.Observe(obs(1, face(200, 1, 0.4, 0, 1))).Verdict, Pending; got != want {
		t.Errorf("two frames: got %v, want %v", got, want)
	}
	if got, want := j.Observe(obs(2, face(200, 1, 0.4, 0, 1))).Verdict, Passed; got != want {
		t.Errorf("three frames: got %v, want %v", got, want)
	}
}

func TestLandmarkSets(t *testing.T) {
	// 68 points: only the eyes (36–47) and the nose tip (30) matter.
	sixtyEight := func(yaw float64) []image.Point {
		pts := make([]image.Point, 68)
		for i := 36; i < 42; i++ {
			pts[i] = image.Pt(170, 100)
		}
		for i := 42; i < 48; i++ {
			pts[i] = image.Pt(230, 100)
		}
		pts[30] = image.Pt(200+int(yaw*60), 140)
		return pts
	}
	j := NewJudge(Defaults(), TurnRight)
	var r Result
	for i, y := range []float64{0, -0.1, -0.2, -0.3} {
		r = j.Observe(obs(i, sixtyEight(y)))
	}
	if got, want := r.Verdict, Passed; got != want {
		t.Errorf("68 landmarks: got %v, want %v (%v)", got, want, r)
	}
	j = NewJudge(Defaults(), AnyMove)
	if got, want := j.Observe(obs(0, []image.Point{{1, 1}})).Frames, 0; got != want {
		t.Errorf("frames counted for 1 landmark: got %d, want %d", got, want)
	}
}

func TestConfigs(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Error(err)
	}
	if err := MotionOnly().Validate(); err != nil {
		t.Error(err)
	}
	if err := (Config{}).Validate(); err == nil {
		t.Error("the zero config validated")
	}
}
