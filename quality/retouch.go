package quality

import (
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/facegate/facegate/internal/geom"
	"github.com/facegate/facegate/internal/luma"
)

// Retouch is what a face photo shows of skin smoothing and colour pushed
// past a camera's: measures, not verdicts (a face with smooth skin in soft
// light reads low too; package prevalidate's FILTERED rules, warnings,
// judge them). internal/cmd/filtereval measures how they separate real
// photos from the same photos filtered.
type Retouch struct {
	// SkinDetail and EyeDetail are the mean absolute Laplacian of the luma,
	// at an eye distance of NormIPD px, over the two cheeks and over the two
	// eyes' neighbourhoods (lids, lashes, brows' ends). Texture is their
	// ratio: skin smoothing ("beautify", blur under a skin mask) takes the
	// cheeks' fine detail and leaves the eyes' edges.
	SkinDetail float64 `json:"skin_detail"`
	EyeDetail  float64 `json:"eye_detail"`
	Texture    float64 `json:"texture"`
	// SkinSaturation is the median saturation ((max-min)/max of R, G, B)
	// of the cheeks' pixels: a saturation boost raises it, and so does a
	// ruddy or tanned skin in warm light. Chroma99 is the 99th percentile of
	// the image's chroma ((max-min)/255): how far its most colourful pixels
	// go.
	SkinSaturation float64 `json:"skin_saturation"`
	Chroma99       float64 `json:"chroma_p99"`
}

// appendChroma appends (max-min)/255 of r's pixels (a grid of about
// 10,000: the 99th percentile is then read among about a hundred).
func appendChroma(dst []float64, img image.Image, r image.Rectangle) []float64 {
	step := max(1, int(math.Sqrt(float64(r.Dx()*r.Dy())/10_000)))
	for y := r.Min.Y; y < r.Max.Y; y += step {
		for x := r.Min.X; x < r.Max.X; x += step {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			dst = append(dst, float64(max(c.R, c.G, c.B)-min(c.R, c.G, c.B))/255)
		}
	}
	return dst
}

// Landmarks of the 68-point model the patches are placed by.
const (
	lmJawRight  = 2  // the jaw on the image's left, at the cheek's height
	lmJawLeft   = 14 // on the image's right
	lmNoseRight = 31 // the nostrils' outer ends
	lmNoseLeft  = 35
	lmRightEye0 = 36   // the eye on the image's left: 36..41
	lmLeftEye0  = 42   // 42..47
	cheekSide   = 0.36 // a cheek patch's side, in eye distances
	eyeMargin   = 0.22 // an eye box's margin around its six points, in eye distances
)

// MeasureRetouch measures a face given its 68 landmarks (in img's pixels)
// and its eye distance; ok is false without 68 landmarks or when a patch
// falls outside the image.
func MeasureRetouch(img image.Image, lm []image.Point, ipd float64) (r Retouch, ok bool) {
	if len(lm) != 68 || ipd <= 0 {
		return r, false
	}
	b := img.Bounds()
	half := cheekSide * ipd / 2
	cheeks := []image.Rectangle{
		square(mid(lm[lmJawRight], lm[lmNoseRight]), half),
		square(mid(lm[lmJawLeft], lm[lmNoseLeft]), half),
	}
	eyes := []image.Rectangle{eyeBox(lm[lmRightEye0:lmRightEye0+6], eyeMargin*ipd), eyeBox(lm[lmLeftEye0:lmLeftEye0+6], eyeMargin*ipd)}
	for _, p := range append(slices.Clone(cheeks), eyes...) {
		if !p.In(b) || p.Dx() < 2 || p.Dy() < 2 {
			return r, false
		}
	}
	s := NormIPD / ipd
	r.SkinDetail = meanAbsLaplacian(img, cheeks, s)
	r.EyeDetail = meanAbsLaplacian(img, eyes, s)
	if r.EyeDetail > 0 {
		r.Texture = r.SkinDetail / r.EyeDetail
	}
	var skin []float64
	for _, c := range cheeks {
		skin = appendSaturation(skin, img, c)
	}
	r.SkinSaturation = percentile(skin, 0.5)
	r.Chroma99 = percentile(appendChroma(nil, img, b), 0.99)
	return r, true
}

func mid(a, b image.Point) image.Point { return image.Pt((a.X+b.X)/2, (a.Y+b.Y)/2) }

func square(c image.Point, half float64) image.Rectangle {
	h := int(math.Round(half))
	return image.Rect(c.X-h, c.Y-h, c.X+h, c.Y+h)
}

func eyeBox(pts []image.Point, margin float64) image.Rectangle {
	return geom.Bounds(pts).Inset(-int(math.Round(margin)))
}

// meanAbsLaplacian is the mean |4-neighbour Laplacian| of the luma over the
// rectangles, each resampled by s (luma.Boxes, as Sharpness).
func meanAbsLaplacian(img image.Image, rects []image.Rectangle, s float64) float64 {
	var sum float64
	n := 0
	for _, r := range rects {
		g := luma.Boxes(img, r, s)
		w, h := g.Bounds().Dx(), g.Bounds().Dy()
		for y := 1; y < h-1; y++ {
			row, up, down := g.Pix[y*g.Stride:], g.Pix[(y-1)*g.Stride:], g.Pix[(y+1)*g.Stride:]
			for x := 1; x < w-1; x++ {
				l := int(up[x]) + int(down[x]) + int(row[x-1]) + int(row[x+1]) - 4*int(row[x])
				sum += math.Abs(float64(l))
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// appendSaturation appends the saturation of r's pixels (a grid of about
// 50,000 at most; black pixels have none).
func appendSaturation(dst []float64, img image.Image, r image.Rectangle) []float64 {
	step := max(1, int(math.Sqrt(float64(r.Dx()*r.Dy())/50_000)))
	for y := r.Min.Y; y < r.Max.Y; y += step {
		for x := r.Min.X; x < r.Max.X; x += step {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			hi, lo := max(c.R, c.G, c.B), min(c.R, c.G, c.B)
			if hi == 0 {
				continue
			}
			dst = append(dst, float64(hi-lo)/float64(hi))
		}
	}
	return dst
}

func percentile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[min(len(v)-1, int(q*float64(len(v))))]
}
