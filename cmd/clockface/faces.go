package main

import (
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
)

// faceCommands are faces, verify and identify: the face engine and
// matching on image files, without the ledger.
func (a *app) faceCommands() []*cobra.Command {
	return []*cobra.Command{a.facesCmd(), a.verifyCmd(), a.identifyCmd()}
}

// openEngine loads the --model profile's engine from --models, through
// the model registry.
func (a *app) openEngine() (embeddings.Engine, error) {
	e, _, err := models.Open(a.modelName, a.modelsDir)
	return e, err
}

func (a *app) facesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "faces [--json] IMAGE...",
		Short: "Find the faces in images: box, landmarks, quality and descriptor",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.openEngine()
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
	var probe string
	cmd := &cobra.Command{
		Use:   "verify [--json] --probe IMAGE REFERENCE...",
		Short: "Check that the face in IMAGE is the person in the reference photos (1:1)",
		Long: "verify compares the one face in the probe image with the one face of each reference\n" +
			"photo and prints the decision band (accept, review or reject), the smallest distance\n" +
			"and the accept threshold. The exit status is 0 whatever the decision.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, refs []string) error {
			if probe == "" {
				return errors.New("verify: --probe IMAGE is required")
			}
			eng, err := a.openEngine()
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
			for _, r := range refs {
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
			out := verifyJSON{Probe: probe, References: refs, Band: v.Band, Distance: v.Distance, Threshold: th.Accept, Review: th.Review, Model: eng.Model().String()}
			if a.jsonOut {
				return facesWriteJSON(a.stdout, out)
			}
			fmt.Fprintf(a.stdout, "%s: %s (distance %.3f, accept <= %.3f, review <= %.3f, %d reference(s))\n",
				probe, v.Band, v.Distance, th.Accept, th.Review, len(refs))
			return nil
		},
	}
	cmd.Flags().StringVar(&probe, "probe", "", "image with the face to check (exactly one face)")
	a.modelFlags(cmd)
	a.jsonFlag(cmd)
	return cmd
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
			eng, err := a.openEngine()
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
				ts, err = a.enrolledTemplates(cmd.Context(), eng.Model())
			}
			if err != nil {
				return err
			}
			g, err := embeddings.NewGallery(eng.Model(), ts)
			if err != nil {
				return err
			}
			var out []identifyJSON
			for _, path := range args {
				f, err := readOneFace(eng, path)
				if err != nil {
					return err
				}
				id := g.Identify(f.Embedding, th)
				out = append(out, identifyJSON{
					Image: path, Owner: id.Owner, Distance: facesFinite(id.Distance),
					RunnerUp: id.RunnerUp, RunnerUpDistance: facesFinite(id.RunnerUpDistance),
					Margin: facesFinite(id.Margin), Band: id.Band, Thresholds: th,
				})
			}
			if a.jsonOut {
				return facesWriteJSON(a.stdout, out)
			}
			for _, r := range out {
				who := r.Owner
				if r.Band != embeddings.Accept {
					who = "(nearest " + r.Owner + ")"
				}
				fmt.Fprintf(a.stdout, "%s: %s %s at distance %s; runner-up %s at %s, margin %s (accept <= %.3f with margin >= %.3f)\n",
					r.Image, r.Band, who, facesFmtDist(r.Distance), facesOrNone(r.RunnerUp), facesFmtDist(r.RunnerUpDistance), facesFmtDist(r.Margin), th.Accept, th.Margin)
			}
			return nil
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
	Image            string                `json:"image"`
	Owner            string                `json:"identity"`
	Distance         *float64              `json:"distance"`
	RunnerUp         string                `json:"runner_up,omitempty"`
	RunnerUpDistance *float64              `json:"runner_up_distance"`
	Margin           *float64              `json:"margin"`
	Band             embeddings.Band       `json:"decision"`
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
