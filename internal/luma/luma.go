// Package luma reads 8-bit luma from decoded images a row at a time, with
// fast paths for the types the decoders return, so that no hot loop calls
// At per pixel, and resamples it: Area for the face detectors, Boxes for
// the sharpness measure, both through resize's vector kernel.
package luma

import (
	"image"
	"image/color"

	"github.com/facegate/facegate/resize"
)

// Row writes the luma of len(dst) pixels of row y of img, from column x0.
// YCbCr and Gray are copied; NRGBA and RGBA use color.GrayModel's weights
// (alpha ignored); anything else goes through color.GrayModel per pixel.
func Row(img image.Image, y, x0 int, dst []uint8) {
	switch m := img.(type) {
	case *image.Gray:
		copy(dst, m.Pix[m.PixOffset(x0, y):])
	case *image.YCbCr:
		copy(dst, m.Y[m.YOffset(x0, y):])
	case *image.NRGBA:
		fromRGB(m.Pix[m.PixOffset(x0, y):], dst)
	case *image.RGBA:
		fromRGB(m.Pix[m.PixOffset(x0, y):], dst)
	default:
		for i := range dst {
			dst[i] = color.GrayModel.Convert(img.At(x0+i, y)).(color.Gray).Y
		}
	}
}

// Of returns the luma of r (inside img's bounds), row-major, r.Dx() per row.
func Of(img image.Image, r image.Rectangle) []uint8 {
	w := r.Dx()
	out := make([]uint8, w*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		Row(img, y, r.Min.X, out[(y-r.Min.Y)*w:][:w])
	}
	return out
}

func fromRGB(pix, dst []uint8) {
	for i := range dst {
		p := pix[4*i : 4*i+3 : 4*i+3]
		dst[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
}

// Plane returns the luma of r (inside img's bounds) as a plane and its
// stride: shared with img for *image.Gray and *image.YCbCr, converted once
// (luma.Of) for any other image.
func Plane(img image.Image, r image.Rectangle) (pix []uint8, stride int) {
	switch m := img.(type) {
	case *image.Gray:
		return m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride
	case *image.YCbCr:
		return m.Y[m.YOffset(r.Min.X, r.Min.Y):], m.YStride
	}
	return Of(img, r), r.Dx()
}

// Area returns the luma of r ∩ img.Bounds() resampled to w×h, at the
// origin: each output pixel the mean of the input pixels its area covers,
// fractions at the edges weighted (resize.AreaPlane, the vector kernel of
// resize). The HOG detector's small copy and BlazeFace's input read it. A
// side larger than the region's is interpolated bilinearly instead.
func Area(img image.Image, r image.Rectangle, w, h int) *image.Gray {
	r = r.Intersect(img.Bounds())
	w, h = max(w, 1), max(h, 1)
	out := image.NewGray(image.Rect(0, 0, w, h))
	if r.Empty() {
		return out
	}
	src, stride := Plane(img, r)
	if w <= r.Dx() && h <= r.Dy() {
		resize.AreaPlane(out.Pix, out.Stride, w, h, src, stride, r.Dx(), r.Dy())
		return out
	}
	bilinear(out, src, stride, r.Dx(), r.Dy())
	return out
}

// Boxes returns the luma of r ∩ img.Bounds() scaled by s (rounded, at
// least 1 px), at the origin: down (s < 1), output o of each axis is the
// plain mean of inputs [⌊o·f⌋, ⌊(o+1)·f+½⌋) (f = 1/s, at least one input),
// boxes a little wider than Area's, which overlap; up, bilinear. It is the
// resampling the sharpness measure is defined and calibrated with
// (docs/quality.md), run by the same kernel as Area.
func Boxes(img image.Image, r image.Rectangle, s float64) *image.Gray {
	r = r.Intersect(img.Bounds())
	if r.Empty() || s <= 0 {
		return image.NewGray(image.Rectangle{})
	}
	w, h := max(1, int(float64(r.Dx())*s+0.5)), max(1, int(float64(r.Dy())*s+0.5))
	out := image.NewGray(image.Rect(0, 0, w, h))
	src, stride := Plane(img, r)
	sw, sh := r.Dx(), r.Dy()
	if s >= 1 {
		bilinear(out, src, stride, sw, sh)
		return out
	}
	resize.SeparablePlane(out.Pix, out.Stride, w, h, src, stride, sw, sh, boxes(sw, w), boxes(sh, h))
	return out
}

// boxes are Boxes' weights along one axis of n inputs to m outputs.
func boxes(n, m int) resize.Weights {
	f := float64(n) / float64(m)
	w := resize.Weights{Start: make([]int, m), W: make([][]float32, m)}
	for o := range m {
		lo := int(float64(o) * f)
		hi := min(n, max(lo+1, int(float64(o+1)*f+0.5)))
		ws := make([]float32, hi-lo)
		for i := range ws {
			ws[i] = 1 / float32(hi-lo)
		}
		w.Start[o], w.W[o] = lo, ws
	}
	return w
}

// bilinear fills out from the sw×sh plane src, centre to centre. Each
// column's two inputs and weight are worked out once, not per row; the
// sums are the per-pixel formula's (bilinearRef), bit for bit.
func bilinear(out *image.Gray, src []uint8, stride, sw, sh int) {
	w, h := out.Rect.Dx(), out.Rect.Dy()
	fx, fy := float64(sw)/float64(w), float64(sh)/float64(h)
	x0s, x1s := make([]int, w), make([]int, w)
	txs := make([]float64, w)
	for ox := range w {
		sx := (float64(ox)+0.5)*fx - 0.5
		x0 := min(max(int(sx), 0), sw-1)
		x0s[ox], x1s[ox] = x0, min(x0+1, sw-1)
		txs[ox] = min(max(sx-float64(x0), 0), 1)
	}
	for oy := range h {
		sy := (float64(oy)+0.5)*fy - 0.5
		y0 := min(max(int(sy), 0), sh-1)
		y1 := min(y0+1, sh-1)
		ty := min(max(sy-float64(y0), 0), 1)
		r0, r1 := src[y0*stride:][:sw], src[y1*stride:][:sw]
		row := out.Pix[oy*out.Stride:][:w]
		for ox, x0 := range x0s {
			x1, tx := x1s[ox], txs[ox]
			a := float64(r0[x0])*(1-tx) + float64(r0[x1])*tx
			b := float64(r1[x0])*(1-tx) + float64(r1[x1])*tx
			row[ox] = uint8(a*(1-ty) + b*ty + 0.5)
		}
	}
}
