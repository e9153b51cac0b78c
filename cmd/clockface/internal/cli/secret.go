package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ReadPIN reads a PIN: prompted (twice when confirm is set) without echo on
// a terminal, otherwise the first line of stdin. An empty answer is "".
func (a *App) ReadPIN(prompt string, confirm bool) (string, error) {
	if f, ok := a.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return a.promptPIN(f, prompt, confirm)
	}
	line, err := bufio.NewReader(a.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// promptPIN asks for a PIN on the terminal f without echo, twice when
// confirm is set and the first answer is not empty.
func (a *App) promptPIN(f *os.File, prompt string, confirm bool) (string, error) {
	fmt.Fprint(a.Stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.Stderr)
	if err != nil {
		return "", fmt.Errorf("read PIN: %w", err)
	}
	if confirm && len(b) > 0 {
		fmt.Fprint(a.Stderr, "Again: ")
		b2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.Stderr)
		if err != nil {
			return "", fmt.Errorf("read PIN: %w", err)
		}
		if string(b) != string(b2) {
			return "", errors.New("read PIN: the two PINs differ")
		}
	}
	return string(b), nil
}

// SecretFrom reads a secret such as the HR PIN: from file ("-" is stdin,
// prompted for without echo on a terminal), else from the environment
// variable env (if env is not ""), else "". A secret is never a flag value,
// where ps and shell history would show it. A file's first line is the
// secret; an empty file is an error rather than "no PIN".
func (a *App) SecretFrom(env, file string) (string, error) {
	switch {
	case file == "-":
		return a.ReadPIN("PIN: ", false)
	case file != "":
		return readSecretFile(file, a.Stderr)
	case env != "":
		return os.Getenv(env), nil
	}
	return "", nil
}

// readSecretFile is the first line of a secret file. A file other users
// can read is used, with a warning on stderr.
func readSecretFile(path string, stderr io.Writer) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read PIN file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", fmt.Errorf("read PIN file %s: the first line is empty", path)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(stderr, "clockface: warning: %s is readable by other users (mode %v): chmod 600 it\n", path, st.Mode().Perm())
	}
	return line, nil
}

// NewPIN is a new employee's PIN: from --pin-file if given, else prompted
// for twice on a terminal, else the first line of stdin ("" for none).
func (a *App) NewPIN(file, prompt string) (string, error) {
	if file != "" {
		return a.SecretFrom("", file)
	}
	return a.ReadPIN(prompt, true)
}

// IsTerminal reports whether w is a terminal (progress bars redraw in
// place there; logs get one line per step).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
