package facecheck

import (
	"image"

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

// shrinkGray returns the luma of img reduced by k in each direction, each
// output pixel the mean of a k×k block (k >= 1). Only one row of the source
// is converted at a time.
func shrinkGray(img image.Image, k int) *image.Gray {
	b := img.Bounds()
	if k <= 1 {
		return Gray(img)
	}
	w, h := b.Dx()/k, b.Dy()/k
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return out
	}
	row := make([]uint8, w*k)
	acc := make([]uint32, w)
	area := uint32(k * k)
	for oy := range h {
		clear(acc)
		for dy := range k {
			luma.Row(img, b.Min.Y+oy*k+dy, b.Min.X, row)
			for ox := range w {
				var s uint32
				for _, v := range row[ox*k : ox*k+k] {
					s += uint32(v)
				}
				acc[ox] += s
			}
		}
		o := out.Pix[oy*out.Stride:]
		for ox, s := range acc {
			o[ox] = uint8((s + area/2) / area)
		}
	}
	return out
}
