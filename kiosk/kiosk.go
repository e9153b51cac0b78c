// Package kiosk runs the time clock: frames from kiosk/camera, faces from
// the engine, decisions from kiosk/flow, and (in kiosk/ui) the Fyne screen.
//
// Run is the whole process and owns every goroutine:
//
//	Run (main goroutine: the Fyne loop)
//	└─ errgroup, started in this order, stopped in reverse:
//	   ├─ relay      Config.Relay.Run (sync/outbox), woken after each punch
//	   ├─ purge      ledger.Purge every PurgeEvery
//	   ├─ kiosk      App: Pipeline.Serve ─┬─ camera loop (camloop.go): capture (kiosk/camera →
//	   │                                  │   kiosk/frames slots); released out of service;
//	   │                                  │   PIN only and retried with a backoff when it fails
//	   │                                  ├─ recognise (engine → flow.Machine.Frame)
//	   │                                  └─ timers (flow.Machine.Tick)
//	   │                  UI.Preview (preview slot → fyne.Do)
//	   │                  UI taps' work (PIN check, punch, undo: off the Fyne goroutine)
//	   └─ until      Config.Until (the demo's screenshot)
//	then Source, Engine and, last, the Ledger are closed.
//
// This file is the pipeline without widgets: capture in one goroutine,
// recognition at its own pace in another, each reading its own
// latest-frame slot, so the preview never waits for the engine and the
// engine never queues frames.
package kiosk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"sync"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/kiosk/camera"
	"clockface/kiosk/flow"
	"clockface/kiosk/frames"
	"clockface/kiosk/presence"
)

// The largest frame the kiosk works on: bigger camera frames are shrunk to
// fit, smaller ones (the 400×300 demo videos) are kept, because the engine
// and the enrolment quality gates were calibrated on native frames and an
// upscaled frame only looks blurred to them. The screen scales the preview
// to its 640×480 area.
const (
	PreviewWidth  = 640
	PreviewHeight = 480
)

// TickEvery is how often the state machine's timers are checked.
const TickEvery = 100 * time.Millisecond

// Pipeline connects a frame source, the engine and the state machine.
type Pipeline struct {
	Machine *flow.Machine
	Engine  flow.Recognizer
	Clock   clockface.Clock
	// Log receives engine failures (nil: slog.Default()).
	Log *slog.Logger
	// Gate, if set, lets only frames with movement (or a face seen lately)
	// reach the engine: an empty scene then costs almost nothing.
	Gate *presence.Gate
	// Preview receives every captured frame for the screen.
	Preview *frames.Slot
	recog   *frames.Slot

	mu       sync.Mutex
	faces    []image.Rectangle // boxes of the last analysed frame
	facesSeq uint64
	analysed int
	recTime  time.Duration // total engine time
	enrol    *enrolJob
}

// NewPipeline builds a pipeline; Run starts it.
func NewPipeline(m *flow.Machine, eng flow.Recognizer, clock clockface.Clock) *Pipeline {
	return &Pipeline{Machine: m, Engine: eng, Clock: clock, Preview: frames.NewSlot(), recog: frames.NewSlot()}
}

// Run captures from src until ctx ends or a finite source runs out, and
// returns the capture's error. Recognition and the timers stop with it.
func (p *Pipeline) Run(ctx context.Context, src camera.Source, opt camera.Options) error {
	return p.Serve(ctx, func(ctx context.Context) error { return p.Capture(ctx, src, opt) })
}

// Serve runs recognition and the machine's timers while capture runs
// (capture feeds frames through p.Capture, perhaps several times: the
// kiosk's camera loop reopens a failed camera), and returns capture's
// error; nil when ctx ended.
func (p *Pipeline) Serve(ctx context.Context, capture func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.recognise(ctx) }()
	go func() {
		defer wg.Done()
		t := time.NewTicker(TickEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.Machine.Tick(ctx)
			}
		}
	}()
	err := capture(ctx)
	cancel()
	wg.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Capture reads src into the pipeline's slots until ctx ends, the source
// runs out (nil) or fails (its error).
func (p *Pipeline) Capture(ctx context.Context, src camera.Source, opt camera.Options) error {
	if opt.Size == (image.Point{}) && opt.MaxSize == (image.Point{}) {
		opt.MaxSize = image.Pt(PreviewWidth, PreviewHeight)
	}
	if opt.Now == nil {
		opt.Now = p.Clock.Now
	}
	return camera.Capture(ctx, src, opt, p.Preview, p.recog)
}

// recognise analyses the latest frame, as fast as the engine allows. An
// engine failure is logged (once while it repeats) and shown by the
// machine; it is never read as "no face".
func (p *Pipeline) recognise(ctx context.Context) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	var failing string
	for {
		f, err := p.recog.Wait(ctx)
		if err != nil {
			return
		}
		p.mu.Lock()
		enrolling := p.enrol != nil
		p.mu.Unlock()
		if p.Gate != nil && !enrolling && !p.Gate.Admit(f.Image, f.At) {
			p.Machine.Frame(ctx, f.Image, f.At, nil) // nobody there
			continue
		}
		start := time.Now()
		faces, err := p.Engine.FacesImage(f.Image)
		took := time.Since(start)
		if err != nil {
			if err.Error() != failing {
				log.Error("face engine failed", "frame", f.Seq, "err", err)
				failing = err.Error()
			}
			p.Machine.EngineFailed(err)
			continue
		}
		if failing != "" {
			log.Info("face engine recovered", "frame", f.Seq)
			failing = ""
		}
		if p.Gate != nil && len(faces) > 0 {
			p.Gate.Seen(f.At)
		}
		boxes := make([]image.Rectangle, len(faces))
		for i, fc := range faces {
			boxes[i] = fc.Box
		}
		p.mu.Lock()
		p.faces, p.facesSeq = boxes, f.Seq
		p.analysed++
		p.recTime += took
		job := p.enrol
		p.mu.Unlock()
		if job != nil {
			job.offer(ctx, f, faces)
			continue
		}
		p.Machine.Frame(ctx, f.Image, f.At, faces)
	}
}

// staleBoxFrames is how many captured frames the last analysed frame may lag
// behind the one on screen before its face boxes are no longer drawn: at
// 25 fps, 8 frames is 320 ms, several engine runs. A box older than that
// (recognition paused, or a slow engine) would sit beside a moving face.
const staleBoxFrames = 8

// Faces returns the face boxes to draw on captured frame seq: those of the
// last analysed frame, or none when that frame is stale.
func (p *Pipeline) Faces(seq uint64) []image.Rectangle {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seq > p.facesSeq+staleBoxFrames {
		return nil
	}
	return p.faces
}

// Stats reports how many frames the engine analysed and its mean time.
func (p *Pipeline) Stats() (analysed int, mean time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.analysed == 0 {
		return 0, 0
	}
	return p.analysed, p.recTime / time.Duration(p.analysed)
}

// enrolJob routes analysed frames to an enrolment session instead of the
// punch machine while HR enrols someone at the kiosk.
type enrolJob struct {
	s        *enroll.Session
	every    int
	n        int
	progress func(enroll.Feedback)
	done     chan struct{}
	once     sync.Once
}

func (j *enrolJob) offer(ctx context.Context, f frames.Frame, faces []embeddings.Face) {
	j.n++
	if j.n%j.every != 0 || j.s.Complete() {
		return
	}
	jpg, err := encodeJPEG(f.Image)
	if err != nil {
		return
	}
	fb, err := j.s.OfferFaces(faces, jpg)
	if err != nil {
		return
	}
	if j.progress != nil {
		j.progress(fb)
	}
	if j.s.Complete() {
		j.once.Do(func() { close(j.done) })
	}
}

// EnrolFrameEvery offers every nth analysed frame to enrolment, so samples
// spread over the person's small movements instead of near-duplicates.
const EnrolFrameEvery = 3

// EnrolLive takes samples for a consented session from the live camera
// until it is complete (or ctx ends), then finishes it. progress receives
// each frame's feedback (from the recognition goroutine).
func (p *Pipeline) EnrolLive(ctx context.Context, s *enroll.Session, progress func(enroll.Feedback)) (enroll.Result, error) {
	job := &enrolJob{s: s, every: EnrolFrameEvery, progress: progress, done: make(chan struct{})}
	p.mu.Lock()
	if p.enrol != nil {
		p.mu.Unlock()
		return enroll.Result{}, errors.New("enrol: another enrolment is running")
	}
	p.enrol = job
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.enrol = nil
		p.mu.Unlock()
	}()
	select {
	case <-ctx.Done():
		return enroll.Result{}, fmt.Errorf("enrol: %w", ctx.Err())
	case <-job.done:
	}
	p.mu.Lock()
	p.enrol = nil // no more offers while finishing
	p.mu.Unlock()
	res, err := s.Finish(ctx)
	if err != nil {
		return res, err
	}
	return res, p.Machine.Reload(ctx)
}

// EnrolFromSource takes samples for a consented session from a frame source
// (a video or image folder: the demo and tests), offering every nth frame,
// and finishes it. It fails if the source ends first.
func EnrolFromSource(ctx context.Context, s *enroll.Session, src camera.Source, every int) (enroll.Result, error) {
	slot := frames.NewSlot()
	for n := 0; !s.Complete(); n++ {
		if err := camera.Capture(ctx, src, camera.Options{MaxFrames: 1}, slot); err != nil {
			return enroll.Result{}, fmt.Errorf("enrol: %w", err)
		}
		f, ok := slot.Take()
		if !ok {
			got, of := s.Progress()
			return enroll.Result{}, fmt.Errorf("enrol: the source ended with %d of %d samples", got, of)
		}
		if n%every != 0 {
			continue
		}
		jpg, err := encodeJPEG(f.Image)
		if err != nil {
			return enroll.Result{}, fmt.Errorf("enrol: %w", err)
		}
		if _, err := s.Offer(jpg); err != nil {
			return enroll.Result{}, fmt.Errorf("enrol: %w", err)
		}
	}
	return s.Finish(ctx)
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, fmt.Errorf("encode frame: %w", err)
	}
	return buf.Bytes(), nil
}
