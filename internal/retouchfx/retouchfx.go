// Package retouchfx applies the filters facegate's retouch measures are
// evaluated against (internal/cmd/filtereval, prevalidate's tests): skin
// smoothing under a feathered skin mask, an edge-preserving "beautify",
// saturation and contrast boosts. Landmarks are dlib's 68 points in the
// image's pixels, ipd the eye distance in pixels.
package retouchfx

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/internal/geom"
)

// SkinMask is the face's skin area: inside the jaw line and the brows, less
// the eyes and the mouth (a mask, 0..1, feathered by a blur).
func SkinMask(b image.Rectangle, lm []image.Point, ipd float64) *image.Gray {
	m := image.NewGray(b)
	poly := skinPolygon(lm)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if inside(poly, image.Pt(x, y)) {
				m.SetGray(x, y, color.Gray{255})
			}
		}
	}
	holes := []image.Rectangle{box(lm[36:42], 0.12*ipd), box(lm[42:48], 0.12*ipd), box(lm[48:60], 0.08*ipd), box(lm[17:27], 0.05*ipd)}
	for _, h := range holes {
		draw.Draw(m, h, image.Black, image.Point{}, draw.Src)
	}
	soft := imaging.Blur(m, 0.05*ipd)
	out := image.NewGray(b)
	for i := range out.Pix {
		out.Pix[i] = soft.Pix[4*i]
	}
	return out
}

// skinPolygon is the jaw line closed by the brows.
func skinPolygon(lm []image.Point) []image.Point {
	return append(slices.Clone(lm[0:17]), lm[26], lm[24], lm[19], lm[17])
}

func box(pts []image.Point, margin float64) image.Rectangle {
	return geom.Bounds(pts).Inset(-int(math.Round(margin)))
}

func inside(poly []image.Point, p image.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, c := poly[i], poly[j]
		if (a.Y > p.Y) != (c.Y > p.Y) && float64(p.X) < float64(c.X-a.X)*float64(p.Y-a.Y)/float64(c.Y-a.Y)+float64(a.X) {
			in = !in
		}
	}
	return in
}

// Smooth blurs the skin (Gaussian, sigma 0.06 eye distances) under the
// feathered skin mask: what "smooth skin" retouching does.
func Smooth(img *image.NRGBA, lm []image.Point, ipd float64) image.Image {
	// The mask is zero past the polygon's box grown by its feather
	// (imaging's Gaussian reaches ceil(3 sigma)), and the blur is read only
	// where the mask is not: each is computed on that region grown by its
	// own reach, the same pixels as over the whole image for a fraction of
	// the work.
	reach := func(sigma float64) int { return int(math.Ceil(3*sigma)) + 1 }
	b := img.Bounds()
	mr := geom.Bounds(skinPolygon(lm)).Inset(-2 * reach(0.05*ipd)).Intersect(b)
	br := mr.Inset(-reach(0.06 * ipd)).Intersect(b)
	blur := imaging.Blur(img.SubImage(br), 0.06*ipd) // its origin is br.Min
	return blend(img, blur, br.Min, SkinMask(mr, lm, ipd))
}

// Bilateral is an edge-preserving smoothing of the whole face (sigma 0.08
// eye distances, range sigma 20 levels): "beautify".
func Bilateral(img *image.NRGBA, lm []image.Point, ipd float64) image.Image {
	out := imaging.Clone(img)
	face := box(lm[0:27], 0.1*ipd).Intersect(img.Bounds())
	ss := 0.08 * ipd
	rad := int(math.Ceil(2 * ss))
	const sr = 20.0
	for y := face.Min.Y; y < face.Max.Y; y++ {
		for x := face.Min.X; x < face.Max.X; x++ {
			c := img.NRGBAAt(x, y)
			var s [3]float64
			var wsum float64
			for dy := -rad; dy <= rad; dy++ {
				for dx := -rad; dx <= rad; dx++ {
					q := image.Pt(x+dx, y+dy)
					if !q.In(img.Bounds()) {
						continue
					}
					n := img.NRGBAAt(q.X, q.Y)
					dr, dg, db := float64(n.R)-float64(c.R), float64(n.G)-float64(c.G), float64(n.B)-float64(c.B)
					w := math.Exp(-float64(dx*dx+dy*dy)/(2*ss*ss) - (dr*dr+dg*dg+db*db)/(2*sr*sr))
					s[0] += w * float64(n.R)
					s[1] += w * float64(n.G)
					s[2] += w * float64(n.B)
					wsum += w
				}
			}
			out.SetNRGBA(x, y, color.NRGBA{uint8(s[0]/wsum + 0.5), uint8(s[1]/wsum + 0.5), uint8(s[2]/wsum + 0.5), 255})
		}
	}
	return out
}

// blend mixes b, whose origin is a's point off, into a by the mask m.
func blend(a, b *image.NRGBA, off image.Point, m *image.Gray) image.Image {
	out := imaging.Clone(a)
	r := m.Rect.Intersect(a.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			w := float64(m.GrayAt(x, y).Y) / 255
			if w == 0 {
				continue
			}
			p, q := a.NRGBAAt(x, y), b.NRGBAAt(x-off.X, y-off.Y)
			mix := func(u, v uint8) uint8 { return uint8(float64(u)*(1-w) + float64(v)*w + 0.5) }
			out.SetNRGBA(x, y, color.NRGBA{mix(p.R, q.R), mix(p.G, q.G), mix(p.B, q.B), 255})
		}
	}
	return out
}

// Pointwise applies f to every pixel of img.
func Pointwise(img *image.NRGBA, f func(color.NRGBA) color.NRGBA) image.Image {
	out := imaging.Clone(img)
	for i := 0; i+3 < len(out.Pix); i += 4 {
		c := f(color.NRGBA{out.Pix[i], out.Pix[i+1], out.Pix[i+2], 255})
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = c.R, c.G, c.B
	}
	return out
}

func clamp(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// Saturate scales each pixel's distance from its grey by k.
func Saturate(k float64) func(color.NRGBA) color.NRGBA {
	return func(c color.NRGBA) color.NRGBA {
		y := 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
		return color.NRGBA{clamp(y + k*(float64(c.R)-y)), clamp(y + k*(float64(c.G)-y)), clamp(y + k*(float64(c.B)-y)), 255}
	}
}

// Contrast scales each channel's distance from mid-grey by k.
func Contrast(k float64) func(color.NRGBA) color.NRGBA {
	return func(c color.NRGBA) color.NRGBA {
		f := func(v uint8) uint8 { return clamp(128 + k*(float64(v)-128)) }
		return color.NRGBA{f(c.R), f(c.G), f(c.B), 255}
	}
}
