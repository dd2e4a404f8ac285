package facecheck

import (
	"image"
	"math"

	"github.com/facegate/facegate/internal/geom"
)

// Recapture is what the re-capture model (models/recapture: the two
// MiniFASNet networks of Silent-Face-Anti-Spoofing) reads of a face: how
// likely the photo is of a live face rather than of a print or a screen.
// It is advisory: such models pass good screens and flag some live
// photos (benchmarks/README.md has its rates).
type Recapture struct {
	// Live is the mean of the two networks' live-face probabilities, 0..1.
	Live float64
	// Nets are each network's: the face's box grown 2.7 times
	// (MiniFASNetV2) and 4 times (MiniFASNetV1SE).
	Nets [2]float64
	// Box is the face box the crops grow from, in the image's pixels: the
	// box the networks' own face detector would draw, from the 68
	// landmarks (see RecaptureBox).
	Box image.Rectangle
}

// RecaptureSize is the side of the re-capture model's crops.
const RecaptureSize = 80

// recaptureScales are how many times each network's crop grows the box.
var recaptureScales = [2]float64{2.7, 4.0}

// The box the networks were trained on (their repository's RetinaFace
// detector) against the bounding box of dlib's 68 landmarks, measured by
// benchmarks/recapture_box.py on 51 photos (medians; the 58 held out
// within 0.015): its centre 0.10 of the landmarks' height higher, 1.12
// times as wide and 1.15 times as high.
const (
	recaptureBoxUp = 0.10
	recaptureBoxW  = 1.12
	recaptureBoxH  = 1.15
)

// RecaptureBox is the face box the re-capture model's crops are made
// from, as x, y, width and height (fractional), from a face's 68
// landmarks; ok is false for fewer than 68 points or a degenerate face.
func RecaptureBox(pts []image.Point) (x, y, w, h float64, ok bool) {
	if len(pts) != 68 {
		return 0, 0, 0, 0, false
	}
	b := geom.Bounds(pts)
	x0, y0, x1, y1 := b.Min.X, b.Min.Y, b.Max.X-1, b.Max.Y-1 // the extreme points
	W, H := float64(x1-x0), float64(y1-y0)
	if W < 1 || H < 1 {
		return 0, 0, 0, 0, false
	}
	cx, cy := float64(x0+x1)/2, float64(y0+y1)/2-recaptureBoxUp*H
	w, h = recaptureBoxW*W, recaptureBoxH*H
	return cx - w/2, cy - h/2, w, h, true
}

// recaptureCrop is the region of an sw x sh image a network reads: the
// box grown scale times about its centre (less when the image is
// smaller), moved inside the image, as the networks' repository crops
// it (the corners truncated to whole pixels, both inclusive).
func recaptureCrop(sw, sh int, x, y, w, h, scale float64) image.Rectangle {
	scale = math.Min(scale, math.Min(float64(sh-1)/h, float64(sw-1)/w))
	nw, nh := w*scale, h*scale
	cx, cy := x+w/2, y+h/2
	l, t, r, b := cx-nw/2, cy-nh/2, cx+nw/2, cy+nh/2
	if l < 0 {
		r -= l
		l = 0
	}
	if t < 0 {
		b -= t
		t = 0
	}
	if r > float64(sw-1) {
		l -= r - float64(sw-1)
		r = float64(sw - 1)
	}
	if b > float64(sh-1) {
		t -= b - float64(sh-1)
		b = float64(sh - 1)
	}
	// Truncated toward zero, as Python's int() does.
	return image.Rect(int(l), int(t), int(r)+1, int(b)+1).Intersect(image.Rect(0, 0, sw, sh))
}

// linearTaps are, for each of n outputs over m inputs, the first input
// and its weight in 1/2048ths (the second input's is 2048 less it), with
// the edges clamped: the bilinear resize the networks were trained
// through (OpenCV's INTER_LINEAR on 8-bit images).
func linearTaps(m, n int) (idx []int, wt []int32) {
	idx, wt = make([]int, n), make([]int32, n)
	scale := float64(m) / float64(n)
	for d := range n {
		f := (float64(d)+0.5)*scale - 0.5
		s := int(math.Floor(f))
		f -= float64(s)
		if s < 0 {
			s, f = 0, 0
		}
		if s >= m-1 {
			s, f = m-1, 0
		}
		idx[d], wt[d] = s, int32(math.Round((1-f)*2048))
	}
	return idx, wt
}

// sampleRecapture writes the crop r of img, resized to RecaptureSize²
// bilinearly, into dst as three planes B, G, R in 0..255 (the networks'
// input). row is scratch of at least 3 x r.Dx() bytes.
func sampleRecapture(img image.Image, r image.Rectangle, dst []float32, row []uint8) {
	const n = RecaptureSize
	b := img.Bounds()
	r = r.Add(b.Min)
	xi, xw := linearTaps(r.Dx(), n)
	yi, yw := linearTaps(r.Dy(), n)
	// The two source rows each output row reads, horizontally resized,
	// in 1/2048ths.
	var h0, h1 [3 * n]int32
	hrow := func(y int, out *[3 * n]int32) {
		rgbRow(img, r.Min.Y+y, r.Min.X, row[:3*r.Dx()])
		for d := range n {
			i, w := xi[d], xw[d]
			j := min(i+1, r.Dx()-1)
			for c := range 3 {
				out[3*d+c] = int32(row[3*i+c])*w + int32(row[3*j+c])*(2048-w)
			}
		}
	}
	last := [2]int{-1, -1}
	for v := range n {
		i, w := yi[v], yw[v]
		j := min(i+1, r.Dy()-1)
		if i != last[0] || j != last[1] {
			if i == last[1] {
				h0 = h1
			} else {
				hrow(i, &h0)
			}
			if j == i {
				h1 = h0
			} else {
				hrow(j, &h1)
			}
			last = [2]int{i, j}
		}
		for d := range n {
			for c := range 3 {
				val := (int64(h0[3*d+c])*int64(w) + int64(h1[3*d+c])*int64(2048-w) + 1<<21) >> 22
				// Planes B, G, R: the networks were trained on OpenCV's BGR.
				dst[(2-c)*n*n+v*n+d] = float32(min(255, max(0, val)))
			}
		}
	}
}
