package clockface_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
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
		"clockface/payrun",
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

// TestCPUBaseline: no cgo package is compiled for the build machine's CPU.
// go-face asks for -march=native in its own cgo flags; the build's C++
// compiler (scripts/cxx-baseline, set as CXX by the Makefile and
// scripts/setup) rewrites it to x86-64-v2. The test finds every package of
// the binary that asks for -march=native, fails on any beside go-face, and
// checks that the wrapper really compiles for the baseline: SSE4.2 yes,
// AVX2 (which older kiosk PCs lack) no.
func TestCPUBaseline(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}\t{{.CgoCFLAGS}} {{.CgoCPPFLAGS}} {{.CgoCXXFLAGS}}", "./cmd/clockface").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{"github.com/Kagami/go-face": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, flags, _ := strings.Cut(line, "\t")
		if strings.Contains(flags, "-march=native") && !allowed[pkg] {
			t.Errorf("%s asks for -march=native: compile it for the baseline (scripts/cxx-baseline)", pkg)
		}
	}
	macros := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("scripts/cxx-baseline", append(args, "-dM", "-E", "-x", "c++", "/dev/null")...).CombinedOutput()
		if err != nil {
			t.Fatalf("scripts/cxx-baseline: %v\n%s", err, out)
		}
		return string(out)
	}
	got := macros("-march=native")
	if !strings.Contains(got, "__SSE4_2__") || strings.Contains(got, "__AVX2__") {
		t.Errorf("scripts/cxx-baseline -march=native: SSE4.2 %v, AVX2 %v; want the x86-64-v2 baseline (SSE4.2, no AVX2)",
			strings.Contains(got, "__SSE4_2__"), strings.Contains(got, "__AVX2__"))
	}
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "export CXX := $(CURDIR)/scripts/cxx-baseline") {
		t.Error("the Makefile does not build with scripts/cxx-baseline as CXX")
	}
}

// TestThinCommand: cmd/clockface is flag parsing and wiring. Its package
// main (main.go and the root command; the command groups live in
// cmd/clockface/internal/) stays within 1,000 lines, and no function
// anywhere under cmd/ (a declaration or a function literal, tests left
// out) is longer than 60 lines, counted from the func keyword to the
// closing brace. Product logic belongs in the package that owns it.
func TestThinCommand(t *testing.T) {
	const maxMain, maxFunc = 1000, 60
	mainFiles, err := filepath.Glob(filepath.Join("cmd", "clockface", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range mainFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines += strings.Count(string(b), "\n")
	}
	if lines > maxMain {
		t.Errorf("package main of cmd/clockface: got %d non-test lines, want at most %d (move command groups to cmd/clockface/internal/, product logic to its package)", lines, maxMain)
	}
	fset := token.NewFileSet()
	err = filepath.WalkDir("cmd", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			name := "a function literal"
			switch fn := n.(type) {
			case *ast.FuncDecl:
				name = fn.Name.Name
			case *ast.FuncLit:
			default:
				return true
			}
			from, to := fset.Position(n.Pos()), fset.Position(n.End())
			if got := to.Line - from.Line + 1; got > maxFunc {
				t.Errorf("%s:%d: %s is %d lines, want at most %d (split flags, checks and work)", path, from.Line, name, got, maxFunc)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
