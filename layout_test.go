package clockface_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPurePackagesStayPure: the domain, the decision flow, liveness, the
// relay, the protocol and the attendance rules compile without a storage
// driver, OpenCV, the migration tool, the vault's cipher or dlib. A package
// that starts to import one of them (even indirectly) fails here, naming the
// chain's end it pulled in.
func TestPurePackagesStayPure(t *testing.T) {
	forbidden := []string{
		"github.com/mattn/go-sqlite3",
		"github.com/jackc/pgx/v5",
		"gocv.io/x/gocv",
		"github.com/pressly/goose/v3",
		"github.com/minio/sio",
		"github.com/Kagami/go-face",
		"fyne.io/fyne/v2",
	}
	pure := []string{
		"clockface",
		"clockface/attendance",
		"clockface/payroll",
		"clockface/kiosk/flow",
		"clockface/kiosk/frames",
		"clockface/kiosk/liveness",
		"clockface/sync/outbox",
		"clockface/sync/wire",
		"clockface/embeddings",
	}
	for _, pkg := range pure {
		checkDeps(t, pkg, forbidden)
	}
}

// TestScreenNeedsNoDriver: the kiosk's screen (kiosk/ui) is Fyne, so fyne
// is allowed there, but it takes frames from kiosk/frames and decisions from
// kiosk/flow and compiles no OpenCV, storage driver, migration tool, cipher
// or dlib.
func TestScreenNeedsNoDriver(t *testing.T) {
	checkDeps(t, "clockface/kiosk/ui", []string{
		"gocv.io/x/gocv",
		"github.com/mattn/go-sqlite3",
		"github.com/pressly/goose/v3",
		"github.com/minio/sio",
		"github.com/Kagami/go-face",
	})
}

// checkDeps fails for each package in forbidden (or below it) that pkg
// depends on, even indirectly.
func checkDeps(t *testing.T, pkg string, forbidden []string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	for _, d := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("%s imports %s: it must not", pkg, d)
			}
		}
	}
}
