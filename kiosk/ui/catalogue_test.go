package ui

import (
	"flag"
	"strings"
	"testing"

	"clockface/kiosk/flow"
)

var update = flag.Bool("update", false, "rewrite the golden images")

// TestCatalogueComplete: every language has every key, every flow message
// has a text, and no text is empty.
func TestCatalogueComplete(t *testing.T) {
	en := Keys(English)
	for _, l := range Langs() {
		if got, want := strings.Join(Keys(l), ","), strings.Join(en, ","); got != want {
			t.Errorf("%s keys differ from en:\n got %s\nwant %s", l, got, want)
		}
		for k, v := range texts(l) {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s %q: empty", l, k)
			}
		}
		for _, m := range flow.Msgs {
			if _, ok := texts(l)[string(m)]; !ok {
				t.Errorf("%s: no text for message %q", l, m)
			}
		}
	}
}

func TestParseLang(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
	}{{"en", "en", ""}, {"ES", "es", ""}, {"fr", "", `language "fr": the kiosk speaks en, es`}} {
		got, err := ParseLang(c.in)
		if string(got) != c.want || (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
			t.Errorf("ParseLang(%q): got %q, %v; want %q, %q", c.in, got, err, c.want, c.err)
		}
	}
}

// TestContrastAndSizes: the theme's text colours on their backgrounds
// reach WCAG AA (4.5:1), and prompts are at least 24 px.
func TestContrastAndSizes(t *testing.T) {
	for _, c := range []struct {
		name   string
		fg, bg any
	}{
		{"text on background", colText, colBackground},
		{"accent on background", colAccent, colBackground},
		{"text on button", colText, colButton},
		{"text on highlighted button", colOnPrimary, colAccent},
		{"placeholder on entry", colDisabled, colButton},
	} {
		fg, bg := c.fg.(interface{ RGBA() (r, g, b, a uint32) }), c.bg.(interface{ RGBA() (r, g, b, a uint32) })
		if got := Contrast(fg, bg); got < 4.5 {
			t.Errorf("%s: contrast %.2f:1, want at least 4.5:1", c.name, got)
		}
	}
	th := Theme()
	for _, n := range []struct {
		name string
		size float32
	}{{"body", th.Size("text")}, {"title", th.Size(sizeTitle)}, {"sub", th.Size(sizeSub)}} {
		if n.size < minPromptSize {
			t.Errorf("%s text %v px, want at least %v", n.name, n.size, minPromptSize)
		}
	}
}
