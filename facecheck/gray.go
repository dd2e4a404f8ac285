package facecheck

import (
	"image"
	"math"

	"github.com/facegate/facegate/internal/luma"
)

// Gray returns img as 8-bit grey. A *image.YCbCr (every JPEG) shares its Y
// plane and an *image.Gray is returned as is, without a copy; other images
// are converted once.
func Gray(img image.Image) *image.Gray {
	return grayRegion(img, img.Bounds())
}

// grayRegion returns the luma of r ∩ img.Bounds(), sharing memory when img
// is *image.Gray or *image.YCbCr.
func grayRegion(img image.Image, r image.Rectangle) *image.Gray {
	r = r.Intersect(img.Bounds())
	switch m := img.(type) {
	case *image.Gray:
		return m.SubImage(r).(*image.Gray)
	case *image.YCbCr:
		if r.Empty() {
			return &image.Gray{}
		}
		return &image.Gray{Pix: m.Y[m.YOffset(r.Min.X, r.Min.Y):], Stride: m.YStride, Rect: r}
	}
	g := image.NewGray(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		luma.Row(img, y, r.Min.X, g.Pix[(y-r.Min.Y)*g.Stride:][:r.Dx()])
	}
	return g
}

// scaleGray returns the luma of img at c times its size (c <= 1), each
// output pixel the area-weighted mean of the input pixels it covers
// (luma.Area); c >= 1 returns the luma at full size, sharing memory when
// it can.
func scaleGray(img image.Image, c float64) *image.Gray {
	b := img.Bounds()
	w, h := int(math.Round(float64(b.Dx())*c)), int(math.Round(float64(b.Dy())*c))
	if c >= 1 || (w == b.Dx() && h == b.Dy()) {
		return Gray(img)
	}
	return luma.Area(img, b, w, h)
}

// tap is one source index and its weight; each output's weights sum to 1<<12.
type tap struct {
	i int
	w uint32
}

// areaTaps gives, for each of m outputs over n inputs (m <= n), the inputs
// it covers and by how much.
func areaTaps(n, m int) [][]tap {
	out := make([][]tap, m)
	s := float64(n) / float64(m)
	for o := range out {
		lo, hi := float64(o)*s, float64(o+1)*s
		var taps []tap
		var sum uint32
		for i := int(lo); i < n && float64(i) < hi; i++ {
			cover := math.Min(float64(i+1), hi) - math.Max(float64(i), lo)
			wt := uint32(math.Round(cover / s * 4096))
			if wt == 0 {
				continue
			}
			taps = append(taps, tap{i, wt})
			sum += wt
		}
		// Rounding: give the difference to the largest weight.
		big := 0
		for j := range taps {
			if taps[j].w > taps[big].w {
				big = j
			}
		}
		taps[big].w = taps[big].w + 4096 - sum
		out[o] = taps
	}
	return out
}
