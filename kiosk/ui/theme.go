package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// bodyTextSize is the widgets' text size: large, for a kiosk.
const bodyTextSize = 22

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
	case theme.ColorNamePrimary:
		return colAccent
	}
	return t.base.Color(n, theme.VariantDark)
}

func (t kioskTheme) Font(s fyne.TextStyle) fyne.Resource     { return t.base.Font(s) }
func (t kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

func (t kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameText {
		return bodyTextSize
	}
	return t.base.Size(n)
}
