package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Text sizes: large type for a kiosk read at arm's length. Prompts are at
// least minPromptSize (accessibility: 24 px and up).
const (
	bodyTextSize  = 24
	titleSize     = 40
	subSize       = 30
	clockSize     = 96
	minPromptSize = 24
	debugSize     = 16
	// keySize is the least width and height of a keypad or choice button.
	keySize = 64
)

// The theme's own size names for the kiosk's prompt texts.
const (
	sizeTitle fyne.ThemeSizeName = "kioskTitle"
	sizeSub   fyne.ThemeSizeName = "kioskSub"
	sizeClock fyne.ThemeSizeName = "kioskClock"
)

// High-contrast colours: white and yellow on black. Colour never carries
// meaning alone: every state also has words or a symbol.
var (
	colBackground = color.NRGBA{A: 0xff}
	colText       = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	colAccent     = color.NRGBA{R: 0xff, G: 0xd4, A: 0xff}
	colBox        = color.NRGBA{G: 0xff, A: 0xff}
	// colButton is the face of a plain button, colOnPrimary the text on a
	// highlighted (yellow) one.
	colButton    = color.NRGBA{R: 0x30, G: 0x30, B: 0x30, A: 0xff}
	colOnPrimary = color.NRGBA{A: 0xff}
	colDisabled  = color.NRGBA{R: 0xa0, G: 0xa0, B: 0xa0, A: 0xff}
)

// kioskTheme is the dark default theme with pure black and white and a
// yellow accent, and larger text.
type kioskTheme struct{ base fyne.Theme }

// Theme returns the kiosk's high-contrast theme; the app sets it.
func Theme() fyne.Theme { return kioskTheme{base: theme.DefaultTheme()} }

func (t kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return colBackground
	case theme.ColorNameForeground:
		return colText
	case theme.ColorNamePrimary, theme.ColorNameFocus:
		return colAccent
	case theme.ColorNameForegroundOnPrimary:
		return colOnPrimary
	case theme.ColorNameButton, theme.ColorNameInputBackground:
		return colButton
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colDisabled
	}
	return t.base.Color(n, theme.VariantDark)
}

func (t kioskTheme) Font(s fyne.TextStyle) fyne.Resource     { return t.base.Font(s) }
func (t kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

func (t kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return bodyTextSize
	case sizeTitle:
		return titleSize
	case sizeSub:
		return subSize
	case sizeClock:
		return clockSize
	}
	return t.base.Size(n)
}

// Contrast is the WCAG 2 contrast ratio of two colours (1 to 21).
func Contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func pow(x, y float64) float64 { return math.Pow(x, y) }
