package quality

import (
	"image"

	"github.com/facegate/facegate/internal/luma"
	"github.com/facegate/facegate/resize"
)

// NormIPD is the eye distance, in pixels, that Sharpness resamples a face
// to: the variance of the Laplacian depends on the scale, so faces are
// compared at one.
const NormIPD = 64

// NormSide is the long side that Sharpness resamples a whole image to when
// there is no face.
const NormSide = 512

// Sharpness is the variance of the 4-neighbour Laplacian of the luma in
// region, after resampling by scale (output pixels per input pixel; use
// NormIPD/ipd for a face, NormSide/long side for a whole image). Higher is
// sharper; a blurred face has little second-derivative energy.
func Sharpness(img image.Image, region image.Rectangle, scale float64) float64 {
	g := resampleLuma(img, region.Intersect(img.Bounds()), scale)
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 3 || h < 3 {
		return 0
	}
	var sum, sum2 float64
	n := 0
	for y := 1; y < h-1; y++ {
		row := g.Pix[y*g.Stride:]
		up := g.Pix[(y-1)*g.Stride:]
		down := g.Pix[(y+1)*g.Stride:]
		for x := 1; x < w-1; x++ {
			l := float64(int(up[x]) + int(down[x]) + int(row[x-1]) + int(row[x+1]) - 4*int(row[x]))
			sum += l
			sum2 += l * l
			n++
		}
	}
	mean := sum / float64(n)
	return sum2/float64(n) - mean*mean
}

// lumaPlane is the luma of r in img, shared, for grey and YCbCr images.
func lumaPlane(img image.Image, r image.Rectangle) ([]byte, int, bool) {
	switch m := img.(type) {
	case *image.Gray:
		return m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, true
	case *image.YCbCr:
		return m.Y[m.YOffset(r.Min.X, r.Min.Y):], m.YStride, true
	}
	return nil, 0, false
}

// boxes are resampleLuma's boxes along one axis of n inputs to m outputs
// (f = n/m): output o is the plain mean of inputs [⌊o·f⌋, ⌊(o+1)·f+½⌋),
// at least one.
func boxes(n, m int, f float64) resize.Weights {
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

// resampleLuma returns the luma of region scaled by s, at the origin. Down
// (s < 1), each output pixel is the mean of the source pixels its area
// covers; up, it is interpolated bilinearly.
func resampleLuma(img image.Image, r image.Rectangle, s float64) *image.Gray {
	if r.Empty() || s <= 0 {
		return image.NewGray(image.Rectangle{})
	}
	w, h := max(1, int(float64(r.Dx())*s+0.5)), max(1, int(float64(r.Dy())*s+0.5))
	out := image.NewGray(image.Rect(0, 0, w, h))
	sw, sh := r.Dx(), r.Dy()
	fx, fy := float64(sw)/float64(w), float64(sh)/float64(h)
	if y, stride, ok := lumaPlane(img, r); ok && s < 1 {
		// The same boxes as below, through resize's vector kernel.
		resize.SeparablePlane(out.Pix, out.Stride, w, h, y, stride, sw, sh, boxes(sw, w, fx), boxes(sh, h, fy))
		return out
	}
	src := luma.Of(img, r)
	if s < 1 {
		for oy := range h {
			y0, y1 := int(float64(oy)*fy), min(sh, max(int(float64(oy)*fy)+1, int(float64(oy+1)*fy+0.5)))
			for ox := range w {
				x0, x1 := int(float64(ox)*fx), min(sw, max(int(float64(ox)*fx)+1, int(float64(ox+1)*fx+0.5)))
				var acc, n int
				for y := y0; y < y1; y++ {
					for _, v := range src[y*sw+x0 : y*sw+x1] {
						acc += int(v)
					}
					n += x1 - x0
				}
				out.Pix[oy*out.Stride+ox] = uint8((acc + n/2) / n)
			}
		}
		return out
	}
	for oy := range h {
		sy := (float64(oy)+0.5)*fy - 0.5
		y0 := min(max(int(sy), 0), sh-1)
		y1 := min(y0+1, sh-1)
		ty := min(max(sy-float64(y0), 0), 1)
		for ox := range w {
			sx := (float64(ox)+0.5)*fx - 0.5
			x0 := min(max(int(sx), 0), sw-1)
			x1 := min(x0+1, sw-1)
			tx := min(max(sx-float64(x0), 0), 1)
			a := float64(src[y0*sw+x0])*(1-tx) + float64(src[y0*sw+x1])*tx
			b := float64(src[y1*sw+x0])*(1-tx) + float64(src[y1*sw+x1])*tx
			out.Pix[oy*out.Stride+ox] = uint8(a*(1-ty) + b*ty + 0.5)
		}
	}
	return out
}
