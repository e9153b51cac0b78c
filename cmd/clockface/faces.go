package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/ledger"
)

// faceCommands are faces, verify and identify: the face engine and
// matching on image files, without the ledger.
func (a *app) faceCommands() []*cobra.Command {
	return []*cobra.Command{a.facesCmd(), a.verifyCmd(), a.identifyCmd()}
}

// openEngine loads the --model profile's engine from --models, through
// the model registry: the kiosk's live path, one detector pass per frame.
func (a *app) openEngine() (embeddings.Engine, error) {
	e, _, err := models.Open(a.modelName, a.modelsDir)
	return e, err
}

// openPhotoEngine is openEngine for photos, where time allows: a photo in
// which the detector finds no face is tried again upsampled and (dlib)
// with the CNN detector (models.OpenPhotos).
func (a *app) openPhotoEngine() (embeddings.Engine, error) {
	e, _, err := models.OpenPhotos(a.modelName, a.modelsDir)
	return e, err
}

func (a *app) facesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "faces [--json] IMAGE...",
		Short: "Find the faces in images: box, landmarks, quality and descriptor",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.openPhotoEngine()
			if err != nil {
				return err
			}
			defer eng.Close()
			var out []faceImageJSON
			for _, path := range args {
				fs, err := readImageFaces(eng, path)
				if err != nil {
					return err
				}
				r := faceImageJSON{Image: path, Faces: make([]faceJSON, len(fs))}
				for i, f := range fs {
					r.Faces[i] = newFaceJSON(f)
				}
				out = append(out, r)
			}
			if a.jsonOut {
				return facesWriteJSON(a.stdout, out)
			}
			for _, r := range out {
				fmt.Fprintf(a.stdout, "%s: %d face(s)\n", r.Image, len(r.Faces))
				for i, f := range r.Faces {
					q := f.Quality
					fmt.Fprintf(a.stdout, "  face %d: box %d,%d-%d,%d width %d sharpness %.1f brightness %.1f frontal %.2f yaw %.1f\n",
						i+1, f.Box.Left, f.Box.Top, f.Box.Right, f.Box.Bottom, q.Width, q.Sharpness, q.Brightness, q.Frontal, q.Yaw)
					fmt.Fprintf(a.stdout, "    landmarks %v\n", f.Landmarks)
					fmt.Fprintf(a.stdout, "    descriptor %s\n", facesVector(f.Descriptor))
				}
			}
			return nil
		},
	}
	a.modelFlags(cmd)
	a.jsonFlag(cmd)
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
			eng, err := a.openPhotoEngine()
			if err != nil {
				return err
			}
			defer eng.Close()
			th, err := embeddings.ThresholdsFor(eng.Model())
			if err != nil {
				return err
			}
			p, err := readOneFace(eng, probe)
			if err != nil {
				return err
			}
			t := embeddings.Template{Owner: "reference", Model: eng.Model()}
			for _, r := range args {
				f, err := readOneFace(eng, r)
				if err != nil {
					return err
				}
				t.Samples = append(t.Samples, f.Embedding)
			}
			v, err := embeddings.Verify(t, eng.Model(), p.Embedding, th)
			if err != nil {
				return err
			}
			out := verifyJSON{Probe: probe, References: args, Band: v.Band, Distance: v.Distance, Threshold: th.Accept, Review: th.Review, Model: eng.Model().String()}
			if a.jsonOut {
				return facesWriteJSON(a.stdout, out)
			}
			fmt.Fprintf(a.stdout, "%s: %s (distance %.3f, accept <= %.3f, review <= %.3f, %d reference(s))\n",
				probe, v.Band, v.Distance, th.Accept, th.Review, len(args))
			return nil
		},
	}
	cmd.Flags().StringVar(&claim, "claim", "", "the claimed employee number (or, with --gallery, person folder)")
	cmd.Flags().StringVar(&galleryDir, "gallery", "", "with --claim: folder with one sub-folder of photos per person as the cohort (default: the ledger's enrolled employees)")
	cmd.Flags().StringVar(&probe, "probe", "", "plain 1:1: image with the face to check (exactly one face)")
	a.modelFlags(cmd)
	a.jsonFlag(cmd)
	a.ledgerFlags(cmd)
	return cmd
}

// claimJSON is verify --claim's result.
type claimJSON struct {
	Image      string                `json:"image"`
	Decision   embeddings.Decision   `json:"result"`
	Thresholds embeddings.Thresholds `json:"thresholds"`
	Cohort     int                   `json:"cohort"`
	Model      string                `json:"model"`
}

// verifyClaim is verify --claim: the cohort-checked 1:1 decision.
func (a *app) verifyClaim(ctx context.Context, claim, galleryDir, image string) error {
	eng, err := a.openPhotoEngine()
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
		ts, err = readGallery(eng, galleryDir)
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
	f, err := readOneFace(eng, image)
	if err != nil {
		return err
	}
	d, err := embeddings.VerifyCohort(f.Embedding, *claimed, g, th)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if a.jsonOut {
		return facesWriteJSON(a.stdout, claimJSON{Image: image, Decision: d, Thresholds: th, Cohort: g.Len(), Model: m.String()})
	}
	fmt.Fprintf(a.stdout, "%s: %s for %s (distance %.3f, accept <= %.3f, review <= %.3f); nearest other %s at %s, margin %s (needs >= %.3f)",
		image, d.Band, claim, d.Distance, th.Accept, th.Review, facesOrNone(d.Nearest), facesFmtDist(facesFinite(d.NearestDistance)), facesFmtDist(facesFinite(d.Margin)), th.Margin)
	if d.Reason != "" {
		fmt.Fprintf(a.stdout, ": %s", reasonText(d.Reason))
	}
	fmt.Fprintln(a.stdout)
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
	err = a.withLedger(ctx, func(l *ledger.Ledger) error {
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
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.openPhotoEngine()
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
				ts, err = readGallery(eng, galleryDir)
			} else {
				ts, th, err = a.enrolledCohort(cmd.Context(), eng.Model(), th)
			}
			if err != nil {
				return err
			}
			g, err := embeddings.NewGallery(eng.Model(), ts)
			if err != nil {
				return err
			}
			var out []identifyJSON
			var unreadable []string
			for _, path := range args {
				f, err := readOneFace(eng, path)
				switch {
				case errors.Is(err, embeddings.ErrNoFace):
					out = append(out, identifyJSON{Image: path, Result: "no face", Thresholds: th})
					continue
				case errors.Is(err, embeddings.ErrManyFaces):
					out = append(out, identifyJSON{Image: path, Result: "several faces", Error: err.Error(), Thresholds: th})
					continue
				case err != nil:
					out = append(out, identifyJSON{Image: path, Result: "unreadable", Error: err.Error(), Thresholds: th})
					unreadable = append(unreadable, path)
					continue
				}
				id := g.Identify(f.Embedding, th)
				out = append(out, identifyJSON{
					Image: path, Result: "face", Owner: id.Owner, Distance: facesFinite(id.Distance),
					RunnerUp: id.RunnerUp, RunnerUpDistance: facesFinite(id.RunnerUpDistance),
					Margin: facesFinite(id.Margin), Band: &id.Band, Thresholds: th,
				})
			}
			var failed error
			if len(unreadable) > 0 {
				failed = fmt.Errorf("identify: %d of %d images could not be read: %s", len(unreadable), len(args), strings.Join(unreadable, ", "))
			}
			if a.jsonOut {
				return errors.Join(facesWriteJSON(a.stdout, out), failed)
			}
			for _, r := range out {
				if r.Band == nil {
					fmt.Fprintf(a.stdout, "%s: %s", r.Image, r.Result)
					if r.Error != "" && r.Result != "several faces" {
						fmt.Fprintf(a.stdout, " (%s)", r.Error)
					} else if r.Result == "several faces" {
						fmt.Fprint(a.stdout, " (crop it to one)")
					}
					fmt.Fprintln(a.stdout)
					continue
				}
				who := r.Owner
				if *r.Band != embeddings.Accept {
					who = "(nearest " + r.Owner + ")"
				}
				fmt.Fprintf(a.stdout, "%s: %s %s at distance %s; runner-up %s at %s, margin %s (accept <= %.3f with margin >= %.3f)\n",
					r.Image, r.Band, who, facesFmtDist(r.Distance), facesOrNone(r.RunnerUp), facesFmtDist(r.RunnerUpDistance), facesFmtDist(r.Margin), th.Accept, th.Margin)
			}
			return failed
		},
	}
	cmd.Flags().StringVar(&galleryDir, "gallery", "", "folder with one sub-folder of reference photos per person (default: the ledger's enrolled employees)")
	a.modelFlags(cmd)
	a.jsonFlag(cmd)
	a.ledgerFlags(cmd)
	return cmd
}

// readImageFaces runs the engine on an image file.
func readImageFaces(eng embeddings.Engine, path string) ([]embeddings.Face, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fs, err := embeddings.FacesIn(eng, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fs, nil
}

// readOneFace is the only face in an image file: none is ErrNoFace,
// several is ErrManyFaces.
func readOneFace(eng embeddings.Engine, path string) (embeddings.Face, error) {
	fs, err := readImageFaces(eng, path)
	if err != nil {
		return embeddings.Face{}, err
	}
	switch len(fs) {
	case 0:
		return embeddings.Face{}, fmt.Errorf("%s: %w", path, embeddings.ErrNoFace)
	case 1:
		return fs[0], nil
	}
	return embeddings.Face{}, fmt.Errorf("%s: %w (%d faces; crop it to one)", path, embeddings.ErrManyFaces, len(fs))
}

// readGallery reads DIR/PERSON/PHOTO: one template per sub-folder, one
// sample per photo.
func readGallery(eng embeddings.Engine, dir string) ([]embeddings.Template, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read gallery: %w", err)
	}
	var ts []embeddings.Template
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		photos, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read gallery: %w", err)
		}
		t := embeddings.Template{Owner: e.Name(), Model: eng.Model()}
		for _, p := range photos {
			if p.IsDir() || strings.HasPrefix(p.Name(), ".") {
				continue
			}
			f, err := readOneFace(eng, filepath.Join(dir, e.Name(), p.Name()))
			if err != nil {
				return nil, fmt.Errorf("read gallery: %w", err)
			}
			t.Samples = append(t.Samples, f.Embedding)
		}
		if len(t.Samples) == 0 {
			return nil, fmt.Errorf("read gallery: %s has no photos", filepath.Join(dir, e.Name()))
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("read gallery: %s has no person folders (want DIR/PERSON/PHOTO.jpg)", dir)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Owner < ts[j].Owner })
	return ts, nil
}

type faceBoxJSON struct {
	Left   int `json:"left"`
	Top    int `json:"top"`
	Right  int `json:"right"`
	Bottom int `json:"bottom"`
}

type faceJSON struct {
	Box        faceBoxJSON        `json:"box"`
	Landmarks  [][2]int           `json:"landmarks"`
	Quality    embeddings.Quality `json:"quality"`
	Descriptor []float32          `json:"descriptor"`
}

func newFaceJSON(f embeddings.Face) faceJSON {
	out := faceJSON{
		Box:        faceBoxJSON{f.Box.Min.X, f.Box.Min.Y, f.Box.Max.X, f.Box.Max.Y},
		Landmarks:  make([][2]int, len(f.Landmarks)),
		Quality:    f.Quality,
		Descriptor: f.Embedding,
	}
	for i, p := range f.Landmarks {
		out.Landmarks[i] = [2]int{p.X, p.Y}
	}
	return out
}

type faceImageJSON struct {
	Image string     `json:"image"`
	Faces []faceJSON `json:"faces"`
}

type verifyJSON struct {
	Probe      string          `json:"probe"`
	References []string        `json:"references"`
	Band       embeddings.Band `json:"band"`
	Distance   float64         `json:"distance"`
	Threshold  float64         `json:"threshold"`
	Review     float64         `json:"review_threshold"`
	Model      string          `json:"model"`
}

type identifyJSON struct {
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

func facesWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
