package enrollcmd_test

import (
	"bytes"
	"clockface"
	"clockface/cmd/clockface/internal/cli"
	"clockface/cmd/clockface/internal/clitest"
	"clockface/cmd/clockface/internal/enrollcmd"
	"clockface/embeddings"
	"clockface/embeddings/dlib"
	"clockface/internal/clocktest"
	"clockface/internal/testmedia"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// enrolT0 is when the enrolment tests run.
var enrolT0 = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

// runEnrolCLI runs this group's commands in process against a data folder
// and returns stdout, stderr and the error.
func runEnrolCLI(t *testing.T, data string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &cli.App{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Clock: clocktest.New(enrolT0)}
	root := clitest.Root(enrollcmd.Commands(a)...)
	root.SetArgs(clitest.Args(clitest.Root(enrollcmd.Commands(&cli.App{})...), args,
		"--data", data, "--master-key", filepath.Join(data, "keys", "master.key"), "--models", testmedia.Models(t), "--kiosk-id", "cli-test"))
	root.SetOut(&stderr)
	root.SetErr(&stderr)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestEnrollCLIBadInput(t *testing.T) {
	franck := testmedia.Franck(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no signature", []string{"enroll", "E1", franck[0]}, "--signature is required"},
		{"no source", []string{"enroll", "E1", "--signature", "X"}, "--camera N, --video FILE or IMAGE"},
		{"two sources", []string{"enroll", "E1", "--signature", "X", "--video", "v.mp4", franck[0]}, "one frame source"},
		{"missing video", []string{"enroll", "E1", "--signature", "X", "--video", "missing.mp4"}, "missing.mp4"},
		{"not an image", []string{"enroll", "E1", "--signature", "X", "app.go"}, "not a decodable image"},
		{"decline new without name", []string{"enroll", "E1", "--decline"}, "give --name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			_, _, err := runEnrolCLI(t, data, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			// Nothing was recorded: no consent for E1.
			a := &cli.App{DataDir: data, KeyFile: filepath.Join(data, "keys", "master.key"), KioskID: "cli-test", Clock: clocktest.New(enrolT0)}
			l, err := a.OpenLedger(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if _, err := l.LiveConsent(context.Background(), "E1"); !errors.Is(err, clockface.ErrUnknownEmployee) && !errors.Is(err, clockface.ErrNoConsent) {
				t.Fatalf("consent after bad input: got %v, want none", err)
			}
		})
	}
}

// Enrolment from photos takes the photo engine's second look, as faces,
// verify and identify do: in a crowd photo where the single HOG pass finds
// no face, the fallback finds several, so the photo is refused for holding
// more than one person, not for holding nobody.
func TestEnrollPhotosUsePhotoEngine(t *testing.T) {
	crowd := testmedia.File(t, "dlib/2008_002470.jpg")
	plain, err := dlib.New(testmedia.Models(t), dlib.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	fs, err := embeddings.ReadFaces(plain, crowd)
	if err != nil || len(fs) != 0 {
		t.Fatalf("single pass on %s: got %d faces, %v; want none (pick another photo)", crowd, len(fs), err)
	}
	data := t.TempDir()
	_, errOut, err := runEnrolCLI(t, data, "enroll", "E7", "--signature", "Crowd", "--samples", "1", crowd)
	if err == nil {
		t.Fatalf("enroll from a crowd photo: got no error, want it refused\n%s", errOut)
	}
	if got := errOut; !strings.Contains(got, "only one person, please") || strings.Contains(got, "no face: look at the camera") {
		t.Errorf("stderr: got %q, want the photo refused as several faces, not as no face", got)
	}
}
