package assets_test

import (
	"bytes"
	"errors"
	"testing"

	"clockface/assets"
)

func TestConsentText(t *testing.T) {
	tests := []struct {
		locale string
		// Phrases every notice must carry: retention, purpose, alternative.
		want []string
	}{
		{"en", []string{"90 days", "3 years", "PIN or a badge", "one purpose only", "never sold"}},
		{"es", []string{"90 días", "3 años", "PIN o tarjeta", "una sola finalidad", "nunca se venden"}},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			got, err := assets.ConsentText(tt.locale, assets.LatestConsentVersion())
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !bytes.Contains(bytes.ToLower(got), bytes.ToLower([]byte(w))) {
					t.Errorf("notice %s does not say %q", tt.locale, w)
				}
			}
		})
	}
}

func TestConsentTextUnknown(t *testing.T) {
	for _, tt := range []struct{ locale, version string }{
		{"fr", "v1"}, {"en", "v99"}, {"../en", "v1"}, {"en", "../../assets"}, {"", ""},
	} {
		if _, err := assets.ConsentText(tt.locale, tt.version); !errors.Is(err, assets.ErrNoConsentText) {
			t.Errorf("ConsentText(%q, %q): got %v, want ErrNoConsentText", tt.locale, tt.version, err)
		}
	}
}

func TestLatestConsentVersion(t *testing.T) {
	if got, want := assets.LatestConsentVersion(), "v2"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := assets.ConsentLocales(), []string{"en", "es"}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got locales %v, want %v", got, want)
	}
}
