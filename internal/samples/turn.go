package samples

import (
	"image"
	"image/color"
	"math"

	"github.com/disintegration/imaging"
)

// Turned returns img turned by deg degrees clockwise about its centre, on
// a canvas large enough to hold all of it, the corners filled with fill.
// Pixels are sampled bilinearly. Quarter turns are exact.
func Turned(img image.Image, deg float64, fill color.RGBA) *image.RGBA {
	b := img.Bounds()
	W, H := float64(b.Dx()), float64(b.Dy())
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	if q := math.Mod(deg, 90); math.Abs(q) < 1e-9 {
		sin, cos = math.Round(sin), math.Round(cos)
	}
	w := int(math.Round(math.Abs(W*cos) + math.Abs(H*sin)))
	h := int(math.Round(math.Abs(W*sin) + math.Abs(H*cos)))
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	src := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			src.Set(x, y, img.At(x, y))
		}
	}
	at := func(x, y int) [4]float64 {
		if x < b.Min.X || y < b.Min.Y || x >= b.Max.X || y >= b.Max.Y {
			return [4]float64{float64(fill.R), float64(fill.G), float64(fill.B), float64(fill.A)}
		}
		p := src.Pix[src.PixOffset(x, y):]
		return [4]float64{float64(p[0]), float64(p[1]), float64(p[2]), float64(p[3])}
	}
	for oy := range h {
		for ox := range w {
			// Output pixel centre, relative to the output's centre, turned
			// back (counter-clockwise) onto the source.
			dx, dy := float64(ox)+0.5-float64(w)/2, float64(oy)+0.5-float64(h)/2
			sx := cos*dx + sin*dy + W/2 - 0.5 + float64(b.Min.X)
			sy := -sin*dx + cos*dy + H/2 - 0.5 + float64(b.Min.Y)
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			p00, p10, p01, p11 := at(x0, y0), at(x0+1, y0), at(x0, y0+1), at(x0+1, y0+1)
			var c [4]uint8
			for i := range 4 {
				v := (p00[i]*(1-fx)+p10[i]*fx)*(1-fy) + (p01[i]*(1-fx)+p11[i]*fx)*fy
				c[i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
			}
			copy(out.Pix[out.PixOffset(ox, oy):], c[:])
		}
	}
	return out
}

// Scaled returns img resized by k (Lanczos).
func Scaled(img image.Image, k float64) image.Image {
	b := img.Bounds()
	return imaging.Resize(img, max(1, int(math.Round(float64(b.Dx())*k))), max(1, int(math.Round(float64(b.Dy())*k))), imaging.Lanczos)
}
