package cli_test

import (
	"bytes"
	"clockface/cmd/clockface/internal/cli"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretFrom(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hr")
	os.WriteFile(file, []byte("8080\r\nignored\n"), 0o600)
	loose := filepath.Join(dir, "loose")
	os.WriteFile(loose, []byte("4040\n"), 0o644)
	t.Setenv("CLOCKFACE_TEST_PIN", "7070")
	tests := []struct {
		name, env, file, stdin, want, warn string
	}{
		{"file wins over env", "CLOCKFACE_TEST_PIN", file, "", "8080", ""},
		{"env", "CLOCKFACE_TEST_PIN", "", "", "7070", ""},
		{"stdin", "CLOCKFACE_TEST_PIN", "-", "9090\n", "9090", ""},
		{"neither", "", "", "", "", ""},
		{"loose file warns", "", loose, "", "4040", "readable by other users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			a := &cli.App{Stdin: strings.NewReader(tt.stdin), Stderr: &errOut}
			got, err := a.SecretFrom(tt.env, tt.file)
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			if !strings.Contains(errOut.String(), tt.warn) {
				t.Errorf("stderr %q, want %q", errOut.String(), tt.warn)
			}
		})
	}
}
