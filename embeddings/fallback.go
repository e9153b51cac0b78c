package embeddings

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math"
)

// WithFallback is an engine that retries an image in which primary found no
// face with each fallback in turn, and returns the first that finds one:
// for photos, where time allows (enrolment, the face commands), not for the
// kiosk's live frames, which keep their frame budget. Every fallback must
// make primary's model (else the result would mix models); Close closes
// primary and the fallbacks.
func WithFallback(primary Engine, fallbacks ...Engine) (Engine, error) {
	for _, f := range fallbacks {
		if f.Model() != primary.Model() {
			return nil, fmt.Errorf("fallback engine: makes %s, the primary %s: %w", f.Model(), primary.Model(), ErrModelMismatch)
		}
	}
	return &fallback{primary: primary, fallbacks: fallbacks}, nil
}

type fallback struct {
	primary   Engine
	fallbacks []Engine
}

func (f *fallback) Model() Model { return f.primary.Model() }

func (f *fallback) FacesImage(img image.Image) ([]Face, error) {
	fs, err := f.primary.FacesImage(img)
	for _, e := range f.fallbacks {
		if err != nil || len(fs) > 0 {
			break
		}
		fs, err = e.FacesImage(img)
	}
	return fs, err
}

func (f *fallback) Close() error {
	errs := []error{f.primary.Close()}
	for _, e := range f.fallbacks {
		errs = append(errs, e.Close())
	}
	return errors.Join(errs...)
}

// MaxUpsampledSide bounds the image an upsampled pass builds: a 2× copy
// of a 1,000 px photo is 2,000 px, where HOG takes about a second; larger
// photos already show their faces at a size HOG finds, or need the CNN.
const MaxUpsampledSide = 2048

// Upsampled is an engine that runs e on a copy of the image scaled up by
// factor (bounded so the longest side stays within MaxUpsampledSide), so
// a detector that needs faces of 80 px finds faces of 80/factor px: what
// dlib's detector upsample does. Boxes, landmarks and the quality width
// are mapped back to the original image; the embedding is of the upscaled
// face. An image too large to scale by at least 1.25 is passed as is.
// Close does not close e (it is usually the primary engine too).
func Upsampled(e Engine, factor float64) Engine {
	return &upsampled{e: e, factor: factor}
}

type upsampled struct {
	e      Engine
	factor float64
}

func (u *upsampled) Model() Model { return u.e.Model() }
func (u *upsampled) Close() error { return nil }

func (u *upsampled) FacesImage(img image.Image) ([]Face, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("faces: %w: empty image", ErrNotImage)
	}
	b := img.Bounds()
	s := min(u.factor, float64(MaxUpsampledSide)/float64(max(b.Dx(), b.Dy())))
	if s < 1.25 {
		return u.e.FacesImage(img)
	}
	big := upscale(img, s)
	fs, err := u.e.FacesImage(big)
	if err != nil {
		return nil, err
	}
	sx := float64(big.Bounds().Dx()) / float64(b.Dx())
	sy := float64(big.Bounds().Dy()) / float64(b.Dy())
	back := func(p image.Point) image.Point {
		return image.Pt(b.Min.X+int(math.Round(float64(p.X)/sx)), b.Min.Y+int(math.Round(float64(p.Y)/sy)))
	}
	for i := range fs {
		f := &fs[i]
		f.Box = image.Rectangle{Min: back(f.Box.Min), Max: back(f.Box.Max)}
		lm := make(Landmarks, len(f.Landmarks))
		for j, p := range f.Landmarks {
			lm[j] = back(p)
		}
		f.Landmarks = lm
		f.Quality.Width = f.Box.Dx()
	}
	return fs, nil
}

// upscale scales img by s with bilinear interpolation into an RGBA image
// whose origin is (0, 0).
func upscale(img image.Image, s float64) *image.RGBA {
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := int(float64(b.Dx())*s), int(float64(b.Dy())*s)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sw, sh := b.Dx(), b.Dy()
	for y := range h {
		fy := (float64(y)+0.5)/s - 0.5
		y0 := int(math.Floor(fy))
		wy := fy - float64(y0)
		y0c, y1c := clampInt(y0, sh-1), clampInt(y0+1, sh-1)
		for x := range w {
			fx := (float64(x)+0.5)/s - 0.5
			x0 := int(math.Floor(fx))
			wx := fx - float64(x0)
			x0c, x1c := clampInt(x0, sw-1), clampInt(x0+1, sw-1)
			p00, p01 := src.PixOffset(x0c, y0c), src.PixOffset(x1c, y0c)
			p10, p11 := src.PixOffset(x0c, y1c), src.PixOffset(x1c, y1c)
			o := dst.PixOffset(x, y)
			for c := range 4 {
				top := float64(src.Pix[p00+c])*(1-wx) + float64(src.Pix[p01+c])*wx
				bot := float64(src.Pix[p10+c])*(1-wx) + float64(src.Pix[p11+c])*wx
				dst.Pix[o+c] = uint8(math.Round(top*(1-wy) + bot*wy))
			}
		}
	}
	return dst
}

func clampInt(v, hi int) int { return max(0, min(hi, v)) }
