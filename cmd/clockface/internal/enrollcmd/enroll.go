package enrollcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	_ "image/gif" // the engine takes JPEG, PNG and GIF
	_ "image/jpeg"
	_ "image/png"
	"time"

	"github.com/spf13/cobra"

	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/kiosk"
	"clockface/ledger"
)

// Commands are enroll and withdraw.
func Commands(env *cli.App) []*cobra.Command {
	a := &app{env}
	return []*cobra.Command{a.enrollCmd(), a.withdrawCmd()}
}

// enrollCmd is `clockface enroll`.
func (a *app) enrollCmd() *cobra.Command {
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
	f.StringVar(&o.pinFile, "pin-file", "", "read a new employee's PIN from the first line of this file (default: prompted for, or stdin)")
	f.StringVar(&o.badge, "badge", "", "badge id of a new employee")
	a.LedgerFlags(cmd)
	a.ModelFlags(cmd)
	a.JSONFlag(cmd)
	a.TZFlag(cmd)
	return cmd
}

// withdrawCmd is `clockface withdraw EMPLOYEE`: the employee withdraws
// their consent; their templates are deleted in the same transaction and
// they punch with PIN or badge from then on.
func (a *app) withdrawCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "withdraw EMPLOYEE",
		Short: "Withdraw an employee's face consent: their templates are deleted at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.OpenLedger(cmd.Context())
			if err != nil {
				return err
			}
			defer l.Close()
			if err := l.WithdrawConsent(cmd.Context(), args[0], "cli"); err != nil {
				return fmt.Errorf("withdraw: %w", err)
			}
			if a.JSONOut {
				return json.NewEncoder(a.Stdout).Encode(map[string]any{"employee": args[0], "withdrawn": true})
			}
			_, err = fmt.Fprintf(a.Stdout, "%s withdrew consent: face templates deleted; PIN/badge from now on\n", args[0])
			return err
		},
	}
	a.LedgerFlags(cmd)
	a.JSONFlag(cmd)
	return cmd
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
	name, pinFile, badge               string
}

// enrolExit gives a duplicate face its own exit status (3), so scripts can
// tell "HR must decide" from a failure.
type enrolExit struct{ err error }

func (e enrolExit) Error() string { return e.err.Error() }
func (e enrolExit) Unwrap() error { return e.err }
func (e enrolExit) ExitCode() int { return 3 }

// check refuses contradictory or missing options before anything is read.
func (o enrolOptions) check() error {
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
	return nil
}

// runEnroll wires the options to an enrolment session and enroll.Drive.
func (a *app) runEnroll(ctx context.Context, o enrolOptions) error {
	if err := o.check(); err != nil {
		return err
	}
	loc, err := a.Location()
	if err != nil {
		return err
	}
	var frames enroll.Frames
	if len(o.images) > 0 {
		if frames, err = enroll.ImageFiles(o.images); err != nil {
			return err
		}
	}
	l, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer l.Close()
	who, err := a.applicant(ctx, l, o)
	if err != nil {
		return err
	}
	cfg := enroll.Config{
		Samples: o.samples, KeepImages: o.keepImages, ConsentVersion: o.version,
		KioskID: a.KioskID, Actor: "cli", Clock: a.Clock,
	}
	locale := enroll.NoticeLocale(ctx, l, o.number, o.locale)
	plan := enroll.Plan{Locale: locale, Decline: o.decline, Signature: o.signature, ShowNotice: a.showNotice,
		Frames: frames, EveryReason: true}
	var eng embeddings.Engine // none to decline
	var c *capture
	if !o.decline {
		if c, err = a.openCapture(ctx, o, &plan); err != nil {
			return err
		}
		defer c.Close()
		ctx, eng = c.ctx, c.eng
	}
	s, err := enroll.New(cfg, eng, l, who)
	if err != nil {
		return err
	}
	sum, err := enroll.Drive(ctx, s, plan)
	c.progressDone()
	if errors.Is(err, enroll.ErrDuplicate) {
		return enrolExit{err}
	}
	if err != nil {
		return err
	}
	if a.JSONOut {
		return a.PrintJSON(sum)
	}
	return sum.WriteText(a.Stdout, loc)
}

// applicant is who o enrols. A new employee's PIN comes from --pin-file or
// stdin, never a flag; declining requires a name for a new employee.
func (a *app) applicant(ctx context.Context, l *ledger.Ledger, o enrolOptions) (enroll.Applicant, error) {
	who := enroll.Applicant{Number: o.number, Name: o.name, Locale: o.locale, BadgeID: o.badge}
	isNew, err := enroll.IsNew(ctx, l, o.number)
	if err != nil || !isNew {
		return who, err
	}
	if o.decline && o.name == "" {
		return who, fmt.Errorf("enroll: %s is a new employee: give --name (and a PIN on stdin or --pin-file, or --badge) to add them", o.number)
	}
	who.PIN, err = a.NewPIN(o.pinFile, fmt.Sprintf("PIN for new employee %s (empty for none): ", o.number))
	return who, err
}

// capture is what taking samples needs: the engine, the frame source
// (none for photos) and, for a camera, a context ending at --timeout.
type capture struct {
	ctx    context.Context
	cancel context.CancelFunc
	eng    embeddings.Engine
	frames *kiosk.EnrolFrames
	prog   *enroll.Progress
}

// openCapture opens the engine and the --video or --camera source and
// points plan at them, with progress printed on stderr.
func (a *app) openCapture(ctx context.Context, o enrolOptions, plan *enroll.Plan) (*capture, error) {
	// Photos get the photo engine's second look (upsampled, then dlib's
	// CNN detector), as faces, verify and identify do; live frames keep
	// the kiosk's single pass.
	open := a.OpenEngine
	if plan.Frames != nil {
		open = a.OpenPhotoEngine
	}
	eng, err := open()
	if err != nil {
		return nil, err
	}
	c := &capture{eng: eng}
	c.ctx, c.cancel = context.WithCancel(ctx)
	if o.cameraSet {
		c.ctx, c.cancel = context.WithTimeout(ctx, o.timeout)
	}
	if plan.Frames == nil {
		if c.frames, err = kiosk.OpenEnrolFrames(o.video, o.camera); err != nil {
			c.Close()
			return nil, fmt.Errorf("enroll: %w", err)
		}
		plan.Frames, plan.EveryReason = c.frames, false
	}
	c.prog = enroll.NewProgress(a.Stderr, cli.IsTerminal(a.Stderr), "enrol "+o.number, plan.Locale, o.samples)
	plan.Observer = c.prog
	return c, nil
}

// progressDone ends the progress display (nil: nothing was captured).
func (c *capture) progressDone() {
	if c != nil {
		c.prog.Done()
	}
}

// Close releases the frame source and the engine.
func (c *capture) Close() {
	c.cancel()
	if c.frames != nil {
		c.frames.Close()
	}
	c.eng.Close()
}

// showNotice prints the consent notice on stderr (stdout is for --json).
func (a *app) showNotice(n enroll.Notice) error {
	_, err := fmt.Fprintf(a.Stderr, "%s\n(consent notice %s, %s, SHA-256 %s)\n\n", bytes.TrimSpace(n.Text), n.Version, n.Locale, n.SHA256)
	return err
}
