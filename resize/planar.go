package resize

import (
	"image"
	"math"
	"sync"
)

// scalePlanar scales a YCbCr image (any subsampling) to w x h as 4:2:0, or
// a grey image to grey, with the same Lanczos-3 filter as Scale, one plane
// at a time: no conversion to RGB, and chroma is filtered at a quarter of
// the luma's size. It returns nil for other images.
func scalePlanar(img image.Image, w, h int) image.Image {
	switch m := img.(type) {
	case *image.Gray:
		b := m.Bounds()
		out := image.NewGray(image.Rect(0, 0, w, h))
		scalePlane(out.Pix, out.Stride, w, h, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy())
		return out
	case *image.YCbCr:
		b := m.Bounds()
		out := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		scalePlane(out.Y, out.YStride, w, h, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, b.Dx(), b.Dy())
		// The chroma rectangle of b, in chroma samples.
		cr := chromaRect(b, m.SubsampleRatio)
		off := m.COffset(b.Min.X, b.Min.Y)
		cw, ch := (w+1)/2, (h+1)/2
		scalePlane(out.Cb, out.CStride, cw, ch, m.Cb[off:], m.CStride, cr.Dx(), cr.Dy())
		scalePlane(out.Cr, out.CStride, cw, ch, m.Cr[off:], m.CStride, cr.Dx(), cr.Dy())
		return out
	}
	return nil
}

// chromaRect is the rectangle of chroma samples that covers r.
func chromaRect(r image.Rectangle, ratio image.YCbCrSubsampleRatio) image.Rectangle {
	switch ratio {
	case image.YCbCrSubsampleRatio422:
		return image.Rect(r.Min.X/2, r.Min.Y, (r.Max.X+1)/2, r.Max.Y)
	case image.YCbCrSubsampleRatio420:
		return image.Rect(r.Min.X/2, r.Min.Y/2, (r.Max.X+1)/2, (r.Max.Y+1)/2)
	case image.YCbCrSubsampleRatio440:
		return image.Rect(r.Min.X, r.Min.Y/2, r.Max.X, (r.Max.Y+1)/2)
	case image.YCbCrSubsampleRatio411:
		return image.Rect(r.Min.X/4, r.Min.Y, (r.Max.X+3)/4, r.Max.Y)
	case image.YCbCrSubsampleRatio410:
		return image.Rect(r.Min.X/4, r.Min.Y/2, (r.Max.X+3)/4, (r.Max.Y+1)/2)
	}
	return r
}

// filter is, for each output sample, the first input index and the
// normalised weights of the inputs from there.
type filter struct {
	start   []int
	weights [][]float32
}

func lanczos3(x float64) float64 {
	x = math.Abs(x)
	if x == 0 {
		return 1
	}
	if x >= 3 {
		return 0
	}
	px := math.Pi * x
	return 3 * math.Sin(px) * math.Sin(px/3) / (px * px)
}

// newFilter maps n inputs to m outputs, centre to centre; when shrinking
// the kernel is widened by the ratio, so it also low-passes. Inputs past
// the edges repeat the edge sample.
func newFilter(n, m int) filter {
	scale := float64(n) / float64(m)
	blur := math.Max(scale, 1)
	support := 3 * blur
	f := filter{start: make([]int, m), weights: make([][]float32, m)}
	for o := range m {
		centre := (float64(o)+0.5)*scale - 0.5
		lo, hi := int(math.Ceil(centre-support)), int(math.Floor(centre+support))
		ws := make([]float64, 0, hi-lo+1)
		var sum float64
		for i := lo; i <= hi; i++ {
			v := lanczos3((float64(i) - centre) / blur)
			ws = append(ws, v)
			sum += v
		}
		// Fold the weights that fall outside onto the edge samples.
		start := max(lo, 0)
		end := min(hi, n-1)
		out := make([]float32, end-start+1)
		for k, v := range ws {
			i := min(max(lo+k, start), end)
			out[i-start] += float32(v / sum)
		}
		f.start[o], f.weights[o] = start, out
	}
	return f
}

// scalePlane resamples one 8-bit plane (sw x sh, stride ss) into dst
// (dw x dh, stride ds): horizontally into a float buffer, then
// vertically, in C (kernel.c), where the compiler can use vector
// instructions: the weights are laid out flat, every output with the
// same count (the widest, zero-padded).
func scalePlane(dst []byte, ds, dw, dh int, src []byte, ss, sw, sh int) {
	if sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0 || len(src) < (sh-1)*ss+sw || len(dst) < (dh-1)*ds+dw {
		return
	}
	fx, fy := newFilter(sw, dw).flat(8), newFilter(sh, dh).flat(1)
	runKernel(dst, ds, dw, dh, src, ss, sw, sh, fx, fy)
}

// runKernel runs the C kernel with scratch buffers from a pool. The
// horizontal pass's rows are kept only while the vertical pass reads them:
// a ring of fy.taps rows (tens of kilobytes) when fy's windows never move
// back, as a resampling filter's do; every row (megabytes for a photo's
// plane) otherwise.
func runKernel(dst []byte, ds, dw, dh int, src []byte, ss, sw, sh int, fx, fy flatFilter) {
	rows := fy.taps
	for y := 1; y < dh; y++ {
		if fy.start[y] < fy.start[y-1] {
			rows = sh + fy.taps
			break
		}
	}
	row := getFloats(sw + fx.taps)
	ring := getFloats(rows * dw)
	kernelScalePlane(src, sw, sh, ss, dst, dw, dh, ds, fx, fy, row, ring, rows)
	putFloats(row)
	putFloats(ring)
}

var floatPool sync.Pool

func getFloats(n int) []float32 {
	if p, ok := floatPool.Get().(*[]float32); ok {
		if cap(*p) >= n {
			return (*p)[:n]
		}
		floatPool.Put(p)
	}
	return make([]float32, n)
}

func putFloats(b []float32) { floatPool.Put(&b) }

// Weights say, for each output sample of one axis, the first input
// index and the weights of the inputs from there (inside the input).
type Weights struct {
	Start []int
	W     [][]float32
}

// SeparablePlane resamples one 8-bit plane (sw x sh, stride ss) into dst
// (dw x dh, stride ds) with the given weights along each axis (len(x.W)
// == dw, len(y.W) == dh), by the kernel the scaler uses, rounding to the
// nearest level.
func SeparablePlane(dst []byte, ds, dw, dh int, src []byte, ss, sw, sh int, x, y Weights) {
	if sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0 || len(x.W) != dw || len(y.W) != dh || len(x.Start) != dw || len(y.Start) != dh ||
		len(src) < (sh-1)*ss+sw || len(dst) < (dh-1)*ds+dw {
		return
	}
	for _, a := range []struct {
		w Weights
		n int
	}{{x, sw}, {y, sh}} {
		for o, ws := range a.w.W {
			if a.w.Start[o] < 0 || a.w.Start[o]+len(ws) > a.n {
				return
			}
		}
	}
	runKernel(dst, ds, dw, dh, src, ss, sw, sh, filter{start: x.Start, weights: x.W}.flat(8), filter{start: y.Start, weights: y.W}.flat(1))
}

// AreaPlane resamples one 8-bit plane (sw x sh, stride ss) into dst
// (dw x dh, stride ds, not larger) by area averaging: each output sample
// is the mean of the input it covers, fractions at the edges weighted.
// It is the box filter a detector wants for its small copy, run by the
// same kernel as the Lanczos scaler.
func AreaPlane(dst []byte, ds, dw, dh int, src []byte, ss, sw, sh int) {
	if sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0 || dw > sw || dh > sh || len(src) < (sh-1)*ss+sw || len(dst) < (dh-1)*ds+dw {
		return
	}
	runKernel(dst, ds, dw, dh, src, ss, sw, sh, boxFilter(sw, dw).flat(8), boxFilter(sh, dh).flat(1))
}

// boxFilter maps n inputs to m <= n outputs, each the area-weighted mean
// of the inputs under it.
func boxFilter(n, m int) filter {
	s := float64(n) / float64(m)
	f := filter{start: make([]int, m), weights: make([][]float32, m)}
	for o := range m {
		lo, hi := float64(o)*s, float64(o+1)*s
		first := int(lo)
		var ws []float32
		for i := first; i < n && float64(i) < hi; i++ {
			cover := math.Min(float64(i+1), hi) - math.Max(float64(i), lo)
			ws = append(ws, float32(cover/s))
		}
		f.start[o], f.weights[o] = first, ws
	}
	return f
}

// flatFilter is a filter whose outputs all have taps weights (the most
// any has, rounded up to a multiple), zero-padded at the end, in one
// slice. Inputs read past n are zero-weighted, so the
// row they read from must be taps longer than the input.
type flatFilter struct {
	start []int
	w     []float32
	taps  int
}

func (f filter) flat(multiple int) flatFilter {
	taps := 0
	for _, ws := range f.weights {
		taps = max(taps, len(ws))
	}
	taps = (taps + multiple - 1) / multiple * multiple
	out := flatFilter{start: f.start, w: make([]float32, taps*len(f.weights)), taps: taps}
	for o, ws := range f.weights {
		copy(out.w[o*taps:], ws)
	}
	return out
}
