package payroll_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"clockface/payroll"
)

// FuzzLoadConfig: the export's configuration file is outside input (HR
// writes it by hand). LoadConfig never panics, and a config it accepts
// re-encodes to a file it accepts again, with the same content.
func FuzzLoadConfig(f *testing.F) {
	def, err := json.Marshal(payroll.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"adp":{"earnings":{"regular":"REG","overtime":"OT"}}}`))
	f.Add([]byte(`{"adp":{"earnings":{"holiday":"H"}}}`))
	f.Add([]byte(`{"nope":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "payroll.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := payroll.LoadConfig(path)
		if err != nil {
			return
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if err := os.WriteFile(path, again, 0o600); err != nil {
			t.Fatal(err)
		}
		c2, err := payroll.LoadConfig(path)
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, again, err)
		}
		b2, _ := json.Marshal(c2)
		if string(b2) != string(again) {
			t.Fatalf("round trip changed the config:\n%s\n%s", again, b2)
		}
	})
}
