package facecmd

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"clockface/cmd/clockface/internal/cli"
	"clockface/embeddings"
	"clockface/ledger"
)

// Commands are faces, verify and identify (the face engine and matching
// on image files, against a gallery or the ledger) and calibrate (this
// deployment's measured accuracy).
func Commands(env *cli.App) []*cobra.Command {
	a := &app{env}
	return []*cobra.Command{a.facesCmd(), a.verifyCmd(), a.identifyCmd(), a.calibrateCmd()}
}

func (a *app) facesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "faces [--json] IMAGE...",
		Short: "Find the faces in images: box, landmarks, quality and descriptor",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.OpenPhotoEngine()
			if err != nil {
				return err
			}
			defer eng.Close()
			var out []ImageFacesJSON
			for _, path := range args {
				fs, err := embeddings.ReadFaces(eng, path)
				if err != nil {
					return err
				}
				r := ImageFacesJSON{Image: path, Faces: make([]FaceJSON, len(fs))}
				for i, f := range fs {
					r.Faces[i] = newFaceJSON(f)
				}
				out = append(out, r)
			}
			if a.JSONOut {
				return cli.WriteJSON(a.Stdout, out)
			}
			for _, r := range out {
				fmt.Fprintf(a.Stdout, "%s: %d face(s)\n", r.Image, len(r.Faces))
				for i, f := range r.Faces {
					q := f.Quality
					fmt.Fprintf(a.Stdout, "  face %d: box %d,%d-%d,%d width %d sharpness %.1f brightness %.1f frontal %.2f yaw %.1f\n",
						i+1, f.Box.Left, f.Box.Top, f.Box.Right, f.Box.Bottom, q.Width, q.Sharpness, q.Brightness, q.Frontal, q.Yaw)
					fmt.Fprintf(a.Stdout, "    landmarks %v\n", f.Landmarks)
					fmt.Fprintf(a.Stdout, "    descriptor %s\n", facesVector(f.Descriptor))
				}
			}
			return nil
		},
	}
	a.ModelFlags(cmd)
	a.JSONFlag(cmd)
	return cmd
}

func (a *app) verifyCmd() *cobra.Command {
	var probe, claim, galleryDir string
	cmd := &cobra.Command{
		Use:   "verify [--json] (--claim ID [--gallery DIR] IMAGE | --probe IMAGE REFERENCE...)",
		Short: "Check that the face in an image is the claimed person (1:1, cohort-checked)",
		Long: "verify --claim ID IMAGE checks the one face in IMAGE against the claimed employee's\n" +
			"template in the ledger (--data) and against every other enrolled employee: it accepts\n" +
			"only if the face is within the accept distance of the claimed template AND nearer it\n" +
			"than every other enrolled person by at least the margin (the cohort check); otherwise\n" +
			"review or reject, then the PIN. The ledger's effective (self-calibrated) thresholds\n" +
			"apply. With --gallery DIR (one sub-folder of photos per person, named by its id) the\n" +
			"gallery is the cohort instead. It prints the decision, the distance, the nearest other\n" +
			"identity and the margin.\n\n" +
			"verify --probe IMAGE REFERENCE... is the plain 1:1 check of one face against reference\n" +
			"photos of one person, without a cohort. The exit status is 0 whatever the decision.",
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case claim != "" && probe != "":
				return errors.New("verify: give --claim ID IMAGE or --probe IMAGE REFERENCE..., not both")
			case claim != "":
				if len(args) != 1 {
					return fmt.Errorf("verify: --claim %s needs exactly one IMAGE (got %d)", claim, len(args))
				}
				return a.verifyClaim(cmd.Context(), claim, galleryDir, args[0])
			case probe == "":
				return errors.New("verify: --claim ID IMAGE or --probe IMAGE REFERENCE... is required")
			case galleryDir != "":
				return errors.New("verify: --gallery goes with --claim")
			case len(args) == 0:
				return errors.New("verify: --probe IMAGE needs at least one REFERENCE photo")
			}
			return a.verifyProbe(probe, args)
		},
	}
	cmd.Flags().StringVar(&claim, "claim", "", "the claimed employee number (or, with --gallery, person folder)")
	cmd.Flags().StringVar(&galleryDir, "gallery", "", "with --claim: folder with one sub-folder of photos per person as the cohort (default: the ledger's enrolled employees)")
	cmd.Flags().StringVar(&probe, "probe", "", "plain 1:1: image with the face to check (exactly one face)")
	a.ModelFlags(cmd)
	a.JSONFlag(cmd)
	a.LedgerFlags(cmd)
	return cmd
}

// verifyProbe is verify --probe: the plain 1:1 check of the face in probe
// against reference photos of one person.
func (a *app) verifyProbe(probe string, refs []string) error {
	eng, err := a.OpenPhotoEngine()
	if err != nil {
		return err
	}
	defer eng.Close()
	th, err := embeddings.ThresholdsFor(eng.Model())
	if err != nil {
		return err
	}
	p, err := embeddings.ReadOneFace(eng, probe)
	if err != nil {
		return err
	}
	t := embeddings.Template{Owner: "reference", Model: eng.Model()}
	for _, r := range refs {
		f, err := embeddings.ReadOneFace(eng, r)
		if err != nil {
			return err
		}
		t.Samples = append(t.Samples, f.Embedding)
	}
	v, err := embeddings.Verify(t, eng.Model(), p.Embedding, th)
	if err != nil {
		return err
	}
	out := VerifyJSON{Probe: probe, References: refs, Band: v.Band, Distance: v.Distance, Threshold: th.Accept, Review: th.Review, Model: eng.Model().String()}
	if a.JSONOut {
		return cli.WriteJSON(a.Stdout, out)
	}
	fmt.Fprintf(a.Stdout, "%s: %s (distance %.3f, accept <= %.3f, review <= %.3f, %d reference(s))\n",
		probe, v.Band, v.Distance, th.Accept, th.Review, len(refs))
	return nil
}

// ClaimJSON is verify --claim's result.
type ClaimJSON struct {
	Image      string                `json:"image"`
	Decision   embeddings.Decision   `json:"result"`
	Thresholds embeddings.Thresholds `json:"thresholds"`
	Cohort     int                   `json:"cohort"`
	Model      string                `json:"model"`
}

// verifyClaim is verify --claim: the cohort-checked 1:1 decision.
func (a *app) verifyClaim(ctx context.Context, claim, galleryDir, image string) error {
	eng, err := a.OpenPhotoEngine()
	if err != nil {
		return err
	}
	defer eng.Close()
	m := eng.Model()
	th, err := embeddings.ThresholdsFor(m)
	if err != nil {
		return err
	}
	var ts []embeddings.Template
	if galleryDir != "" {
		ts, err = embeddings.ReadGallery(eng, galleryDir)
	} else {
		ts, th, err = a.enrolledCohort(ctx, m, th)
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	var claimed *embeddings.Template
	for i := range ts {
		if ts[i].Owner == claim {
			claimed = &ts[i]
		}
	}
	if claimed == nil {
		return fmt.Errorf("verify: %s has no face template for model %s here (not enrolled, restricted to PIN, or not a person folder): use the PIN", claim, m)
	}
	g, err := embeddings.NewGallery(m, ts)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	f, err := embeddings.ReadOneFace(eng, image)
	if err != nil {
		return err
	}
	d, err := embeddings.VerifyCohort(f.Embedding, *claimed, g, th)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if a.JSONOut {
		return cli.WriteJSON(a.Stdout, ClaimJSON{Image: image, Decision: d, Thresholds: th, Cohort: g.Len(), Model: m.String()})
	}
	fmt.Fprintf(a.Stdout, "%s: %s for %s (distance %.3f, accept <= %.3f, review <= %.3f); nearest other %s at %s, margin %s (needs >= %.3f)",
		image, d.Band, claim, d.Distance, th.Accept, th.Review, facesOrNone(d.Nearest), facesFmtDist(facesFinite(d.NearestDistance)), facesFmtDist(facesFinite(d.Margin)), th.Margin)
	if d.Reason != "" {
		fmt.Fprintf(a.Stdout, ": %s", reasonText(d.Reason))
	}
	fmt.Fprintln(a.Stdout)
	return nil
}

func reasonText(r string) string {
	switch r {
	case "distance":
		return "too far from the claimed template"
	case "nearer-other":
		return "the face is nearer another enrolled person than the claimed one"
	case "margin":
		return "another enrolled person is too close behind"
	}
	return r
}

// enrolledCohort is every face-matchable template of model m in the ledger
// and the ledger's effective thresholds (the shipped ones, tightened by the
// site's self-calibration).
func (a *app) enrolledCohort(ctx context.Context, m embeddings.Model, shipped embeddings.Thresholds) ([]embeddings.Template, embeddings.Thresholds, error) {
	ts, err := a.enrolledTemplates(ctx, m)
	if err != nil {
		return nil, shipped, err
	}
	var th embeddings.Thresholds
	err = a.WithLedger(ctx, func(l *ledger.Ledger) error {
		th, err = l.EffectiveThresholds(ctx, m, shipped)
		return err
	})
	return ts, th, err
}

func (a *app) identifyCmd() *cobra.Command {
	var galleryDir string
	cmd := &cobra.Command{
		Use:   "identify [--json] [--gallery DIR] IMAGE...",
		Short: "Find who the face in each image is (1:N), with the runner-up and margin",
		Long: "identify matches the one face in each image against a gallery: DIR holds one\n" +
			"sub-folder of reference photos per person, named after the person. Without\n" +
			"--gallery it matches against the employees enrolled in the ledger (--data). It prints the\n" +
			"best identity, its distance, the runner-up, the margin and the decision (accept,\n" +
			"review or reject). Accept needs both a close match and a clear margin. The exit\n" +
			"status is 0 whatever the decision.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runIdentify(cmd.Context(), galleryDir, args) },
	}
	cmd.Flags().StringVar(&galleryDir, "gallery", "", "folder with one sub-folder of reference photos per person (default: the ledger's enrolled employees)")
	a.ModelFlags(cmd)
	a.JSONFlag(cmd)
	a.LedgerFlags(cmd)
	return cmd
}

// runIdentify is identify: each image's face against the gallery folder,
// or the ledger's enrolled employees without one.
func (a *app) runIdentify(ctx context.Context, galleryDir string, images []string) error {
	eng, err := a.OpenPhotoEngine()
	if err != nil {
		return err
	}
	defer eng.Close()
	th, err := embeddings.ThresholdsFor(eng.Model())
	if err != nil {
		return err
	}
	var ts []embeddings.Template
	if galleryDir != "" {
		ts, err = embeddings.ReadGallery(eng, galleryDir)
	} else {
		ts, th, err = a.enrolledCohort(ctx, eng.Model(), th)
	}
	if err != nil {
		return err
	}
	g, err := embeddings.NewGallery(eng.Model(), ts)
	if err != nil {
		return err
	}
	out, unreadable := identifyAll(eng, g, th, images)
	var failed error
	if len(unreadable) > 0 {
		failed = fmt.Errorf("identify: %d of %d images could not be read: %s", len(unreadable), len(images), strings.Join(unreadable, ", "))
	}
	if a.JSONOut {
		return errors.Join(cli.WriteJSON(a.Stdout, out), failed)
	}
	a.printIdentified(out, th)
	return failed
}

// identifyAll is the result for each image ("no face" is one) and the
// images that could not be read.
func identifyAll(eng embeddings.Engine, g *embeddings.Gallery, th embeddings.Thresholds, images []string) (out []IdentifyJSON, unreadable []string) {
	for _, path := range images {
		f, err := embeddings.ReadOneFace(eng, path)
		switch {
		case errors.Is(err, embeddings.ErrNoFace):
			out = append(out, IdentifyJSON{Image: path, Result: "no face", Thresholds: th})
			continue
		case errors.Is(err, embeddings.ErrManyFaces):
			out = append(out, IdentifyJSON{Image: path, Result: "several faces", Error: err.Error(), Thresholds: th})
			continue
		case err != nil:
			out = append(out, IdentifyJSON{Image: path, Result: "unreadable", Error: err.Error(), Thresholds: th})
			unreadable = append(unreadable, path)
			continue
		}
		id := g.Identify(f.Embedding, th)
		out = append(out, IdentifyJSON{
			Image: path, Result: "face", Owner: id.Owner, Distance: facesFinite(id.Distance),
			RunnerUp: id.RunnerUp, RunnerUpDistance: facesFinite(id.RunnerUpDistance),
			Margin: facesFinite(id.Margin), Band: &id.Band, Thresholds: th,
		})
	}
	return out, unreadable
}

// printIdentified prints identify's results as text, one line per image.
func (a *app) printIdentified(out []IdentifyJSON, th embeddings.Thresholds) {
	for _, r := range out {
		if r.Band == nil {
			fmt.Fprintf(a.Stdout, "%s: %s", r.Image, r.Result)
			if r.Error != "" && r.Result != "several faces" {
				fmt.Fprintf(a.Stdout, " (%s)", r.Error)
			} else if r.Result == "several faces" {
				fmt.Fprint(a.Stdout, " (crop it to one)")
			}
			fmt.Fprintln(a.Stdout)
			continue
		}
		who := r.Owner
		if *r.Band != embeddings.Accept {
			who = "(nearest " + r.Owner + ")"
		}
		fmt.Fprintf(a.Stdout, "%s: %s %s at distance %s; runner-up %s at %s, margin %s (accept <= %.3f with margin >= %.3f)\n",
			r.Image, r.Band, who, facesFmtDist(r.Distance), facesOrNone(r.RunnerUp), facesFmtDist(r.RunnerUpDistance), facesFmtDist(r.Margin), th.Accept, th.Margin)
	}
}

// FaceBoxJSON is a face's box in image pixels.
type FaceBoxJSON struct {
	Left   int `json:"left"`
	Top    int `json:"top"`
	Right  int `json:"right"`
	Bottom int `json:"bottom"`
}

// FaceJSON is one face as faces prints it.
type FaceJSON struct {
	Box        FaceBoxJSON        `json:"box"`
	Landmarks  [][2]int           `json:"landmarks"`
	Quality    embeddings.Quality `json:"quality"`
	Descriptor []float32          `json:"descriptor"`
}

func newFaceJSON(f embeddings.Face) FaceJSON {
	out := FaceJSON{
		Box:        FaceBoxJSON{f.Box.Min.X, f.Box.Min.Y, f.Box.Max.X, f.Box.Max.Y},
		Landmarks:  make([][2]int, len(f.Landmarks)),
		Quality:    f.Quality,
		Descriptor: f.Embedding,
	}
	for i, p := range f.Landmarks {
		out.Landmarks[i] = [2]int{p.X, p.Y}
	}
	return out
}

// ImageFacesJSON is faces' result for one image.
type ImageFacesJSON struct {
	Image string     `json:"image"`
	Faces []FaceJSON `json:"faces"`
}

// VerifyJSON is verify --probe's result.
type VerifyJSON struct {
	Probe      string          `json:"probe"`
	References []string        `json:"references"`
	Band       embeddings.Band `json:"band"`
	Distance   float64         `json:"distance"`
	Threshold  float64         `json:"threshold"`
	Review     float64         `json:"review_threshold"`
	Model      string          `json:"model"`
}

// IdentifyJSON is identify's result for one image.
type IdentifyJSON struct {
	Image string `json:"image"`
	// Result is "face", "no face", "several faces" or "unreadable".
	Result           string                `json:"result"`
	Error            string                `json:"error,omitempty"`
	Owner            string                `json:"identity,omitempty"`
	Distance         *float64              `json:"distance"`
	RunnerUp         string                `json:"runner_up,omitempty"`
	RunnerUpDistance *float64              `json:"runner_up_distance"`
	Margin           *float64              `json:"margin"`
	Band             *embeddings.Band      `json:"decision,omitempty"`
	Thresholds       embeddings.Thresholds `json:"thresholds"`
}

func facesFinite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

func facesFmtDist(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}

func facesOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func facesVector(v []float32) string {
	const shown = 6
	var b strings.Builder
	for i, x := range v[:min(shown, len(v))] {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.4f", x)
	}
	if len(v) > shown {
		fmt.Fprintf(&b, " … (%d values; --json prints all)", len(v))
	}
	return b.String()
}
