package enroll_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface"
	"clockface/embeddings"
	"clockface/enroll"
	"clockface/internal/testmedia"
)

// Drive takes an applicant from the notice to a stored template, telling
// the observer each step; a second person with the same face is refused as
// a duplicate with nothing stored for them.
func TestDriveFromPhotos(t *testing.T) {
	ctx := context.Background()
	eng, l := newEngine(t), newLedger(t)
	franck := testmedia.Franck(t)
	frames, err := enroll.ImageFiles(franck)
	if err != nil {
		t.Fatal(err)
	}
	s, err := enroll.New(config(), eng, l, enroll.Applicant{Number: "E1", Name: "Franck", PIN: "2468"})
	if err != nil {
		t.Fatal(err)
	}
	var shown enroll.Notice
	var log bytes.Buffer
	sum, err := enroll.Drive(ctx, s, enroll.Plan{
		Locale: enroll.NoticeLocale(ctx, l, "E1", ""), Signature: "Franck",
		ShowNotice: func(n enroll.Notice) error { shown = n; return nil },
		Frames:     frames, EveryReason: true,
		Observer: enroll.NewProgress(&log, false, "enrol E1", "en", enroll.DefaultSamples),
	})
	if err != nil {
		t.Fatalf("drive: %v\n%s", err, log.String())
	}
	if sum.Employee != "E1" || sum.Samples != enroll.DefaultSamples || sum.Consent == nil || sum.Consent.TextSHA256 != shown.SHA256 || shown.Locale != "en" {
		t.Errorf("summary %+v, notice %s/%s: want E1 with %d samples under the English notice shown", sum, shown.Locale, shown.SHA256, enroll.DefaultSamples)
	}
	rejected := 0
	for _, n := range sum.Rejected {
		rejected += n
	}
	if got, want := sum.Frames, sum.Samples+rejected; got != want {
		t.Errorf("frames: got %d, want samples + rejected = %d", got, want)
	}
	if got := strings.Count(log.String(), "sample taken"); got != enroll.DefaultSamples {
		t.Errorf("progress lines: got %d samples taken, want %d:\n%s", got, enroll.DefaultSamples, log.String())
	}
	var out bytes.Buffer
	if err := sum.WriteText(&out, time.UTC); err != nil || !strings.Contains(out.String(), "signed 2026-03-02 08:30:00 UTC") {
		t.Errorf("summary text %q (%v): want the signing time in UTC, named", out.String(), err)
	}

	// The same face under another number.
	again, _ := enroll.ImageFiles([]string{franck[6], franck[7], franck[8], franck[9], franck[10], franck[0]})
	s2, err := enroll.New(config(), eng, l, enroll.Applicant{Number: "E2", Name: "Someone"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = enroll.Drive(ctx, s2, enroll.Plan{Signature: "Someone", ShowNotice: func(enroll.Notice) error { return nil }, Frames: again})
	var dup *enroll.DuplicateError
	if !errors.As(err, &dup) || dup.Employee != "E1" {
		t.Fatalf("duplicate: got %v, want a DuplicateError naming E1", err)
	}
}

// Frames that run out before the template is complete store nothing and
// say how far they got.
func TestCaptureRunsOut(t *testing.T) {
	eng, l := newEngine(t), newLedger(t)
	s := consented(t, config(), eng, l, "E1", "Franck")
	frames, err := enroll.ImageFiles(testmedia.Franck(t)[:2])
	if err != nil {
		t.Fatal(err)
	}
	rep, err := enroll.Capture(context.Background(), s, frames, nil, true)
	if !errors.Is(err, enroll.ErrIncomplete) || !strings.Contains(err.Error(), "of 5 good samples") {
		t.Fatalf("got %v, want ErrIncomplete with the count", err)
	}
	if rep.Frames != 2 {
		t.Errorf("frames: got %d, want 2", rep.Frames)
	}
	if _, err := l.Template(context.Background(), "E1", eng.Model()); !errors.Is(err, clockface.ErrNotFound) {
		t.Errorf("template after running out: got %v, want none", err)
	}
}

// A file that is not an image is refused before any notice is shown.
func TestImageFilesBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.jpg")
	os.WriteFile(text, []byte("not a photo"), 0o600)
	if _, err := enroll.ImageFiles([]string{text}); !errors.Is(err, embeddings.ErrNotImage) || !strings.Contains(err.Error(), "notes.jpg") {
		t.Errorf("not an image: got %v, want ErrNotImage naming the file", err)
	}
	if _, err := enroll.ImageFiles([]string{filepath.Join(dir, "missing.jpg")}); err == nil || !strings.Contains(err.Error(), "missing.jpg") {
		t.Errorf("missing file: got %v, want an error naming it", err)
	}
}

// Off a terminal, progress is one line per step and never a '\r' (which
// would garble a log); on a terminal it redraws a bar.
func TestProgressLinesOffTerminal(t *testing.T) {
	steps := func(p *enroll.Progress) {
		p.Rejected("frame 0", enroll.Feedback{Reason: enroll.ReasonNoFace, Of: 2})
		p.Accepted("frame 1", enroll.Feedback{Accepted: true, Progress: 1, Of: 2})
		p.Accepted("frame 2", enroll.Feedback{Accepted: true, Progress: 2, Of: 2})
		p.Done()
	}
	var log bytes.Buffer
	steps(enroll.NewProgress(&log, false, "enrol E1", "en", 2))
	if strings.Contains(log.String(), "\r") {
		t.Errorf("log output has a carriage return: %q", log.String())
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "frame 0: ") || lines[2] != "enrol E1: frame 2: sample taken (2/2)" {
		t.Errorf("lines: got %q, want one per step", lines)
	}
	var tty bytes.Buffer
	steps(enroll.NewProgress(&tty, true, "enrol E1", "en", 2))
	if !strings.Contains(tty.String(), "\r") || !strings.Contains(tty.String(), "(2/2)") {
		t.Errorf("terminal output %q: want a bar redrawn in place", tty.String())
	}
}
