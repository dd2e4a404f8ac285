package quality

import (
	"image"

	"github.com/facegate/facegate/internal/luma"
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

// resampleLuma returns the luma of region scaled by s, at the origin: box
// means down, bilinear up (luma.Boxes, the resampling the threshold was
// calibrated with).
func resampleLuma(img image.Image, r image.Rectangle, s float64) *image.Gray {
	return luma.Boxes(img, r, s)
}
