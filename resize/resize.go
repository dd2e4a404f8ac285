// Package resize chooses an output size, scales once with a high-quality
// filter, and encodes a baseline JPEG that fits a byte budget without going
// under a quality floor.
package resize

import (
	"image"
	"image/draw"
	"math"

	"github.com/disintegration/imaging"
)

// Limits bound the output size. A zero field is no limit.
type Limits struct {
	MaxHeight int // recommended maximum height (Progeny: 1080)
	MaxSide   int // hard maximum of either side (Progeny: 4096)
	MinSide   int // minimum of either side (Progeny: 480); MaxHeight yields to it
}

// Plan returns the size to scale an upright w x h image to: the largest size
// whose sides are at most MaxSide and whose height is at most MaxHeight,
// never larger than the input. The height cap is a recommendation, so it
// never pushes the width under MinSide: a tall narrow image keeps a width of
// MinSide and a height above MaxHeight.
func Plan(w, h int, l Limits) (int, int) {
	if w <= 0 || h <= 0 {
		return w, h
	}
	s := 1.0
	if l.MaxSide > 0 {
		s = math.Min(s, math.Min(float64(l.MaxSide)/float64(w), float64(l.MaxSide)/float64(h)))
	}
	if l.MaxHeight > 0 && float64(h)*s > float64(l.MaxHeight) {
		sh := float64(l.MaxHeight) / float64(h)
		if l.MinSide > 0 {
			sh = math.Max(sh, float64(l.MinSide)/float64(w))
		}
		s = math.Min(s, sh)
	}
	return scaled(w, s, l.MaxSide), scaled(h, s, l.MaxSide)
}

// Shrink returns w x h scaled by f (< 1), at least 1 x 1.
func Shrink(w, h int, f float64) (int, int) {
	return scaled(w, f, 0), scaled(h, f, 0)
}

func scaled(n int, s float64, max int) int {
	if s >= 1 {
		return n
	}
	v := int(math.Round(float64(n) * s))
	if max > 0 && v > max {
		v = max
	}
	return min(max1(v), n)
}

func max1(v int) int {
	if v < 1 {
		return 1
	}
	return v
}

// Scale returns img scaled to w x h with a Lanczos filter, or img itself when
// it already has that size. A *image.YCbCr (a decoded JPEG) is scaled
// plane by plane and comes back as 4:2:0 YCbCr, a *image.Gray as grey;
// other images come back as *image.NRGBA.
func Scale(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	if b.Dx() == w && b.Dy() == h {
		return img
	}
	if out := scalePlanar(img, w, h); out != nil {
		return out
	}
	return imaging.Resize(img, w, h, imaging.Lanczos)
}

// Flatten composites an image with transparency onto white, since JPEG has
// no alpha, and turns CMYK into RGB. Other opaque images are returned as
// they are.
//
// An opaque *image.NRGBA comes back as an *image.RGBA over the same pixels
// (with alpha 255 the two layouts are identical), because image/jpeg has a
// fast path for RGBA and reads any other type one boxed pixel at a time.
func Flatten(img image.Image) image.Image {
	if _, ok := img.(*image.CMYK); ok {
		// The output is an RGB JPEG: convert here, or the encoder would
		// keep the ink channels.
		b := img.Bounds()
		dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		if n, ok := img.(*image.NRGBA); ok {
			return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
		}
		return img
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
	return dst
}
