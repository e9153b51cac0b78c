// Package assets embeds the files the kiosk and enrolment show: the
// versioned consent notices (consent/LOCALE/VERSION.md). A notice, once
// published, is never edited: a change is a new version, because every
// consent record stores the SHA-256 of the exact text that was signed.
package assets

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed consent
var consentFS embed.FS

// DefaultLocale is the notice shown when no translation exists for a locale.
const DefaultLocale = "en"

// ErrNoConsentText says there is no notice for a locale and version.
var ErrNoConsentText = errors.New("no consent text")

// ConsentText returns the notice for a locale ("en", "es") and a version
// ("v1"). An unknown locale or version wraps ErrNoConsentText.
func ConsentText(locale, version string) ([]byte, error) {
	if !validName(locale) || !validName(version) {
		return nil, fmt.Errorf("consent text %q %q: %w", locale, version, ErrNoConsentText)
	}
	b, err := consentFS.ReadFile(path.Join("consent", locale, version+".md"))
	if err != nil {
		return nil, fmt.Errorf("consent text %s %s (have %s): %w", locale, version, strings.Join(ConsentLocales(), ", "), ErrNoConsentText)
	}
	return b, nil
}

// ConsentLocales lists the locales that have a notice, sorted.
func ConsentLocales() []string {
	entries, _ := consentFS.ReadDir("consent")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// ConsentVersions lists a locale's notice versions, oldest first.
func ConsentVersions(locale string) []string {
	if !validName(locale) {
		return nil
	}
	entries, err := fs.ReadDir(consentFS, path.Join("consent", locale))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if v, ok := strings.CutSuffix(e.Name(), ".md"); ok && versionNumber(v) > 0 {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return versionNumber(out[i]) < versionNumber(out[j]) })
	return out
}

// LatestConsentVersion is the newest version published in every locale:
// a new version is only offered once all its translations exist.
func LatestConsentVersion() string {
	latest := ""
	for i, l := range ConsentLocales() {
		vs := ConsentVersions(l)
		if len(vs) == 0 {
			return ""
		}
		if v := vs[len(vs)-1]; i == 0 || versionNumber(v) < versionNumber(latest) {
			latest = v
		}
	}
	return latest
}

// versionNumber is N for "vN", or 0.
func versionNumber(v string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	if err != nil || !strings.HasPrefix(v, "v") || n <= 0 {
		return 0
	}
	return n
}

// validName keeps a locale or version from naming another path.
func validName(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
