package quality

import (
	"image"
	"image/color"
	"math"
)

// Exposure summarises the brightness of a region.
type Exposure struct {
	// Mean is the mean luminance on the 0..255 sRGB scale: each pixel's
	// linear-light Rec. 709 luminance (0.2126 R + 0.7152 G + 0.0722 B of
	// the linearised channels), encoded back with the sRGB curve.
	Mean float64 `json:"mean"`
	// Dark and Bright are the fractions of pixels clipped at the ends:
	// luminance <= 25 and >= 247.
	Dark   float64 `json:"dark"`
	Bright float64 `json:"bright"`
}

// Clipping levels of Exposure.Dark and Exposure.Bright.
const (
	DarkLevel   = 25
	BrightLevel = 247
)

// maxSamples bounds the pixels MeasureExposure reads: a regular grid of
// about this many covers any region.
const maxSamples = 40_000

var toLinear [256]float64

// srgbSteps is the resolution of the table that encodes linear luminance
// back to the sRGB scale: 1/8192 of full scale is under a tenth of a level
// except in the first few levels above black.
const srgbSteps = 8192

var toSRGB [srgbSteps + 1]float64

func init() {
	for i := range toSRGB {
		toSRGB[i] = toSRGB8(float64(i) / srgbSteps)
	}
	for i := range toLinear {
		c := float64(i) / 255
		if c <= 0.04045 {
			toLinear[i] = c / 12.92
		} else {
			toLinear[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
}

// toSRGB8 encodes linear luminance (0..1) on the 0..255 sRGB scale.
func toSRGB8(l float64) float64 {
	if l <= 0.0031308 {
		return 255 * 12.92 * l
	}
	return 255 * (1.055*math.Pow(l, 1/2.4) - 0.055)
}

// MeasureExposure measures the luminance of region, reading at most about
// 40,000 pixels on a regular grid.
func MeasureExposure(img image.Image, region image.Rectangle) Exposure {
	r := region.Intersect(img.Bounds())
	if r.Empty() {
		return Exposure{}
	}
	step := max(1, int(math.Sqrt(float64(r.Dx()*r.Dy())/maxSamples)))
	var sum float64
	var n, dark, bright int
	for y := r.Min.Y; y < r.Max.Y; y += step {
		for x := r.Min.X; x < r.Max.X; x += step {
			cr, cg, cb := RGB8(img, x, y)
			l := 0.2126*toLinear[cr] + 0.7152*toLinear[cg] + 0.0722*toLinear[cb]
			v := toSRGB[int(l*srgbSteps+0.5)]
			sum += v
			n++
			if v <= DarkLevel {
				dark++
			} else if v >= BrightLevel {
				bright++
			}
		}
	}
	return Exposure{Mean: sum / float64(n), Dark: float64(dark) / float64(n), Bright: float64(bright) / float64(n)}
}

// Linear is the linear-light value (0..1) of an 8-bit sRGB level.
func Linear(v uint8) float64 { return toLinear[v] }

// RGB8 reads one pixel as 8-bit sRGB, straight (not premultiplied), with
// no allocation for the decoders' own image types.
func RGB8(img image.Image, x, y int) (uint8, uint8, uint8) {
	switch m := img.(type) {
	case *image.YCbCr:
		yi, ci := m.YOffset(x, y), m.COffset(x, y)
		return color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.RGBA:
		if p := m.Pix[m.PixOffset(x, y):]; p[3] == 0xff {
			return p[0], p[1], p[2]
		}
	case *image.Gray:
		v := m.Pix[m.PixOffset(x, y)]
		return v, v, v
	}
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return c.R, c.G, c.B
}
