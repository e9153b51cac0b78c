package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // the engine takes JPEG, PNG and GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"gocv.io/x/gocv"

	"clockface"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/kiosk/camera"
)

// enrollCommands: `clockface enroll`.
func (a *app) enrollCommands() []*cobra.Command {
	var o enrolOptions
	cmd := &cobra.Command{
		Use:   "enroll EMPLOYEE --signature \"Full Name\" (--camera N | --video FILE | IMAGE...)",
		Short: "Show the consent notice, then enrol an employee's face from a camera, a video or photos",
		Long: `enroll shows the consent notice in the employee's language and records the
typed signature (or, with --decline, records a PIN/badge-only employee and
captures nothing). It then takes --samples good face samples from the frame
source, printing why each rejected frame was not taken, checks that the
face is not already enrolled under another number, and stores the
encrypted template in the ledger. An unknown EMPLOYEE is added.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.number, o.images = args[0], args[1:]
			o.cameraSet = cmd.Flags().Changed("camera")
			return a.runEnroll(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.signature, "signature", "", "the employee's full name, typed as their signature")
	f.BoolVar(&o.decline, "decline", false, "the employee refuses: record a PIN/badge-only employee, capture nothing")
	f.StringVar(&o.version, "consent-version", "", "consent notice version (default: the latest)")
	f.StringVar(&o.locale, "locale", "", "notice language: en or es (default: the employee's, else en)")
	f.IntVar(&o.camera, "camera", 0, "capture from camera number N")
	f.StringVar(&o.video, "video", "", "capture from a video file")
	f.IntVar(&o.samples, "samples", enroll.DefaultSamples, "face samples to take")
	f.BoolVar(&o.keepImages, "keep-images", false, "keep the accepted frames, encrypted, for 90 days")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up on a camera after this long")
	f.StringVar(&o.name, "name", "", "name of a new employee (default: the signature)")
	f.StringVar(&o.pin, "pin", "", "PIN of a new employee")
	f.StringVar(&o.badge, "badge", "", "badge id of a new employee")
	return []*cobra.Command{cmd, a.withdrawCmd()}
}

// withdrawCmd is `clockface withdraw EMPLOYEE`: the employee withdraws
// their consent; their templates are deleted in the same transaction and
// they punch with PIN or badge from then on.
func (a *app) withdrawCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "withdraw EMPLOYEE",
		Short: "Withdraw an employee's face consent: their templates are deleted at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			defer l.Close()
			if err := l.WithdrawConsent(cmd.Context(), args[0], "cli"); err != nil {
				return fmt.Errorf("withdraw: %w", err)
			}
			if a.jsonOut {
				return json.NewEncoder(a.stdout).Encode(map[string]any{"employee": args[0], "withdrawn": true})
			}
			_, err = fmt.Fprintf(a.stdout, "%s withdrew consent: face templates deleted; PIN/badge from now on\n", args[0])
			return err
		},
	}
}

type enrolOptions struct {
	number, signature, version, locale string
	decline                            bool
	camera                             int
	cameraSet                          bool
	video                              string
	images                             []string
	samples                            int
	keepImages                         bool
	timeout                            time.Duration
	name, pin, badge                   string
}

// enrolSummary is what --json prints.
type enrolSummary struct {
	Employee        string                `json:"employee"`
	Declined        bool                  `json:"declined"`
	Notice          enroll.Notice         `json:"notice"`
	Consent         *clockface.Consent    `json:"consent,omitempty"`
	Model           string                `json:"model,omitempty"`
	Samples         int                   `json:"samples"`
	Frames          int                   `json:"frames"`
	Rejected        map[enroll.Reason]int `json:"rejected,omitempty"`
	Snapshots       []int64               `json:"snapshots,omitempty"`
	Nearest         string                `json:"nearest,omitempty"`
	NearestDistance float64               `json:"nearest_distance,omitempty"`
}

// enrolExit gives a duplicate face its own exit status (3), so scripts can
// tell "HR must decide" from a failure.
type enrolExit struct{ err error }

func (e enrolExit) Error() string { return e.err.Error() }
func (e enrolExit) Unwrap() error { return e.err }
func (e enrolExit) ExitCode() int { return 3 }

func (a *app) runEnroll(ctx context.Context, o enrolOptions) error {
	sources := len(o.images)
	if o.cameraSet {
		sources++
	}
	if o.video != "" {
		sources++
	}
	switch {
	case o.decline && (sources > 0 || o.signature != ""):
		return errors.New("enroll: --decline takes no signature and no frame source")
	case !o.decline && o.signature == "":
		return errors.New("enroll: --signature is required (or --decline)")
	case !o.decline && sources == 0:
		return errors.New("enroll: give --camera N, --video FILE or IMAGE files")
	case o.cameraSet && o.video != "", (o.cameraSet || o.video != "") && len(o.images) > 0:
		return errors.New("enroll: give one frame source: --camera, --video or IMAGE files")
	}
	// Check every input before the notice, so a typo costs no consent row.
	images := make([][]byte, len(o.images))
	for i, p := range o.images {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("enroll: %w", err)
		}
		if _, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil {
			return fmt.Errorf("enroll: %s: %w: %v", p, embeddings.ErrNotImage, err)
		}
		images[i] = b
	}

	l, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	locale := o.locale
	if locale == "" {
		locale = "en"
		if e, err := l.Employee(ctx, o.number); err == nil && e.Locale != "" {
			locale = e.Locale
		}
	}
	cfg := enroll.Config{
		Samples: o.samples, KeepImages: o.keepImages, ConsentVersion: o.version,
		KioskID: a.kioskID, Actor: "cli", Clock: a.clock,
	}
	who := enroll.Applicant{Number: o.number, Name: o.name, Locale: o.locale, BadgeID: o.badge, PIN: o.pin}

	if o.decline {
		if _, err := l.Employee(ctx, o.number); errors.Is(err, clockface.ErrUnknownEmployee) && o.name == "" {
			return fmt.Errorf("enroll: %s is a new employee: give --name (and --pin or --badge) to add them", o.number)
		}
		s, err := enroll.New(cfg, nil, l, who)
		if err != nil {
			return err
		}
		n, err := a.showNotice(s, locale)
		if err != nil {
			return err
		}
		if _, err := s.Decline(ctx); err != nil {
			return fmt.Errorf("enroll: %w", err)
		}
		return a.printEnrol(enrolSummary{Employee: o.number, Declined: true, Notice: n})
	}

	eng, err := a.openEngine()
	if err != nil {
		return err
	}
	defer eng.Close()
	var src camera.Source
	switch {
	case o.video != "":
		src, err = camera.OpenVideo(o.video)
	case o.cameraSet:
		src, err = camera.OpenDevice(o.camera)
	}
	if err != nil {
		return fmt.Errorf("enroll: %w", err)
	}
	if src != nil {
		defer src.Close()
	}
	s, err := enroll.New(cfg, eng, l, who)
	if err != nil {
		return err
	}
	n, err := a.showNotice(s, locale)
	if err != nil {
		return err
	}
	c, err := s.Consent(ctx, o.signature)
	if err != nil {
		return fmt.Errorf("enroll: %w", err)
	}
	sum := enrolSummary{Employee: o.number, Notice: n, Consent: &c, Model: eng.Model().String(), Rejected: map[enroll.Reason]int{}}

	bar := progressbar.NewOptions(o.samples,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription("enrol "+o.number),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(false),
	)
	_ = bar.RenderBlank()
	var last enroll.Reason
	offer := func(label string, jpg []byte, everyReason bool) error {
		sum.Frames++
		fb, err := s.Offer(jpg)
		if err != nil {
			return fmt.Errorf("enroll: %s: %w", label, err)
		}
		if fb.Accepted {
			last = enroll.ReasonNone
			return bar.Set(fb.Progress)
		}
		sum.Rejected[fb.Reason]++
		// A video repeats a reason for many frames: print it when it changes.
		if everyReason || fb.Reason != last {
			_ = bar.Clear()
			fmt.Fprintf(a.stderr, "%s: %s\n", label, fb.Reason.Text(n.Locale))
			_ = bar.RenderBlank()
		}
		last = fb.Reason
		return nil
	}

	if src == nil {
		for i, b := range images {
			if s.Complete() {
				break
			}
			if err := offer(filepath.Base(o.images[i]), b, true); err != nil {
				return err
			}
		}
	} else {
		fctx := ctx
		if o.cameraSet {
			var cancel context.CancelFunc
			fctx, cancel = context.WithTimeout(ctx, o.timeout)
			defer cancel()
		}
		if err := enrolFrames(fctx, src, s, offer); err != nil {
			return err
		}
	}
	_ = bar.Finish()
	fmt.Fprintln(a.stderr)
	if !s.Complete() {
		got, want := s.Progress()
		return fmt.Errorf("enroll: frames ran out with %d of %d good samples: nothing stored (consent kept)", got, want)
	}
	res, err := s.Finish(ctx)
	if errors.Is(err, enroll.ErrDuplicate) {
		return enrolExit{err}
	}
	if err != nil {
		return err
	}
	sum.Samples, sum.Snapshots = res.Samples, res.Snapshots
	sum.Nearest, sum.NearestDistance = res.Nearest, res.NearestDistance
	return a.printEnrol(sum)
}

// enrolFrames offers each frame of src, JPEG-encoded, until the session is
// complete, the source ends or ctx is done.
func enrolFrames(ctx context.Context, src camera.Source, s *enroll.Session, offer func(string, []byte, bool) error) error {
	m := gocv.NewMat()
	defer m.Close()
	for i := 0; !s.Complete(); i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("enroll: stopped at frame %d: %w", i, err)
		}
		err := src.Read(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("enroll: frame %d: %w", i, err)
		}
		buf, err := gocv.IMEncode(gocv.JPEGFileExt, m)
		if err != nil {
			return fmt.Errorf("enroll: encode frame %d: %w", i, err)
		}
		jpg := bytes.Clone(buf.GetBytes())
		buf.Close()
		if err := offer(fmt.Sprintf("frame %d", i), jpg, false); err != nil {
			return err
		}
	}
	return nil
}

// showNotice prints the consent notice on stderr (stdout is for --json).
func (a *app) showNotice(s *enroll.Session, locale string) (enroll.Notice, error) {
	n, err := s.Notice(locale)
	if err != nil {
		return enroll.Notice{}, fmt.Errorf("enroll: %w", err)
	}
	fmt.Fprintf(a.stderr, "%s\n(consent notice %s, %s, SHA-256 %s)\n\n", bytes.TrimSpace(n.Text), n.Version, n.Locale, n.SHA256)
	return n, nil
}

func (a *app) printEnrol(sum enrolSummary) error {
	if a.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	if sum.Declined {
		_, err := fmt.Fprintf(a.stdout, "%s declined face enrolment (notice %s, %s): PIN/badge only, nothing captured\n", sum.Employee, sum.Notice.Version, sum.Notice.Locale)
		return err
	}
	fmt.Fprintf(a.stdout, "enrolled %s: %d samples from %d frames, model %s, consent %d (notice %s, %s)\n",
		sum.Employee, sum.Samples, sum.Frames, sum.Model, sum.Consent.ID, sum.Notice.Version, sum.Notice.Locale)
	if len(sum.Snapshots) > 0 {
		fmt.Fprintf(a.stdout, "kept %d encrypted enrolment images (deleted after 90 days)\n", len(sum.Snapshots))
	}
	if sum.Nearest != "" {
		fmt.Fprintf(a.stdout, "nearest other employee: %s at distance %.3f\n", sum.Nearest, sum.NearestDistance)
	}
	return nil
}

// enrolledTemplates is identify's gallery without --gallery: the templates
// of every employee face matching may consider (active, enrolled, not
// restricted to PIN). It never creates a ledger.
func (a *app) enrolledTemplates(ctx context.Context, m embeddings.Model) ([]embeddings.Template, error) {
	db := filepath.Join(a.dataDir, "ledger.db")
	if _, err := os.Stat(db); err != nil {
		return nil, fmt.Errorf("identify: no ledger (%w): enrol employees with clockface enroll, or pass --gallery DIR", err)
	}
	l, err := a.openLedger(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	// A person runs identify: the read is audited.
	ts, err := l.TemplatesAs(ctx, actor(), m)
	if err != nil {
		return nil, fmt.Errorf("identify: %w", err)
	}
	if len(ts) == 0 {
		if err := checkEnrolledModel(ctx, l, m); err != nil {
			return nil, fmt.Errorf("identify: %w", err)
		}
		return nil, fmt.Errorf("identify: nobody in %s is enrolled for model %s: enrol with clockface enroll, or pass --gallery DIR", db, m)
	}
	return ts, nil
}
