package iso

import (
	"image"
	"math"
	"slices"
	"sync"

	"github.com/facegate/facegate/quality"
)

// aligned is a face warped into OFIQ's reference frame, kept only inside
// the convex hull of its landmarks (the face region; black outside, as
// OFIQ masks it).
type aligned struct {
	rgb  []uint8             // alignedSide² × 3; only the face region's pixels are set
	lm   []pt                // the landmarks in the frame
	rows [alignedSide][2]int // per row, the face region's columns [x0, x1)
}

var frames = sync.Pool{New: func() any { return &aligned{rgb: make([]uint8, alignedSide*alignedSide*3)} }}

// at is the frame's pixel, black outside the face region (as OFIQ masks
// the aligned face).
func (a *aligned) at(x, y int) (uint8, uint8, uint8) {
	if y < 0 || y >= alignedSide || x < a.rows[y][0] || x >= a.rows[y][1] {
		return 0, 0, 0
	}
	i := 3 * (y*alignedSide + x)
	return a.rgb[i], a.rgb[i+1], a.rgb[i+2]
}

// align warps img's face (landmarks pts) into the reference frame,
// sampling bilinearly as OpenCV's warpAffine does (pixel (x, y) of the
// frame reads the photo at the inverse transform of (x, y); outside the
// photo is black). Only the face region is sampled. Release it after use.
func align(img image.Image, pts []pt) *aligned {
	n := landmarksOf(pts)
	s := fitSimilarity([]pt{n.eyeL, n.eyeR, n.nose, n.mouthL, n.mouthR}, refs[:])
	a := frames.Get().(*aligned)
	a.lm = a.lm[:0]
	for _, p := range pts {
		a.lm = append(a.lm, s.apply(p))
	}
	a.raster(hull(a.lm))
	inv := s.inverse()
	b := img.Bounds()
	var px [4][3]int32
	read := func(k, x, y int) {
		if x < b.Min.X || y < b.Min.Y || x >= b.Max.X || y >= b.Max.Y {
			px[k] = [3]int32{} // outside the photo: black
			return
		}
		r, g, bl := quality.RGB8(img, x, y)
		px[k] = [3]int32{int32(r), int32(g), int32(bl)}
	}
	for y := range alignedSide {
		x0, x1 := a.rows[y][0], a.rows[y][1]
		if x0 >= x1 {
			continue
		}
		// The source point moves by (inv.a, inv.b) per frame pixel.
		p := inv.apply(pt{float64(x0), float64(y)})
		for x := x0; x < x1; x++ {
			ix, iy := int(math.Floor(p.x)), int(math.Floor(p.y))
			// Bilinear weights in 1/256ths, as OpenCV's fixed-point warp.
			wx, wy := int32((p.x-float64(ix))*256+0.5), int32((p.y-float64(iy))*256+0.5)
			read(0, ix, iy)
			read(1, ix+1, iy)
			read(2, ix, iy+1)
			read(3, ix+1, iy+1)
			i := 3 * (y*alignedSide + x)
			for c := range 3 {
				top := px[0][c]*(256-wx) + px[1][c]*wx
				bot := px[2][c]*(256-wx) + px[3][c]*wx
				a.rgb[i+c] = uint8((top*(256-wy) + bot*wy + 1<<15) >> 16)
			}
			p.x, p.y = p.x+inv.a, p.y+inv.b
		}
	}
	return a
}

func (a *aligned) release() { frames.Put(a) }

// hull is the convex hull of ps, counter-clockwise (Andrew's monotone
// chain).
func hull(ps []pt) []pt {
	p := slices.Clone(ps)
	slices.SortFunc(p, func(a, b pt) int {
		switch {
		case a.x < b.x || (a.x == b.x && a.y < b.y):
			return -1
		case a == b:
			return 0
		}
		return 1
	})
	p = slices.Compact(p)
	if len(p) < 3 {
		return p
	}
	cross := func(o, a, b pt) float64 { return (a.x-o.x)*(b.y-o.y) - (a.y-o.y)*(b.x-o.x) }
	var h []pt
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lower := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	return h[:len(h)-1]
}

// raster sets, for each row of the frame, the columns [x0, x1) whose
// pixel centres lie inside the convex polygon poly.
func (a *aligned) raster(poly []pt) {
	for y := range a.rows {
		a.rows[y] = [2]int{0, 0}
	}
	if len(poly) < 3 {
		return
	}
	for y := range alignedSide {
		cy := float64(y)
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range poly {
			p, q := poly[i], poly[(i+1)%len(poly)]
			if (p.y <= cy && cy <= q.y) || (q.y <= cy && cy <= p.y) {
				if p.y == q.y {
					lo, hi = math.Min(lo, math.Min(p.x, q.x)), math.Max(hi, math.Max(p.x, q.x))
					continue
				}
				x := p.x + (cy-p.y)*(q.x-p.x)/(q.y-p.y)
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
		if lo > hi {
			continue
		}
		x0, x1 := max(0, int(math.Ceil(lo))), min(alignedSide, int(math.Floor(hi))+1)
		if x0 < x1 {
			a.rows[y] = [2]int{x0, x1}
		}
	}
}

// luma is OFIQ's luminance of an 8-bit sRGB pixel: the linear-light
// Rec. 709 luminance, scaled to 0..255 and rounded (not encoded back).
func luma(r, g, b uint8) uint8 {
	y := 0.2126*quality.Linear(r) + 0.7152*quality.Linear(g) + 0.0722*quality.Linear(b)
	return uint8(math.Floor(y*255 + 0.5))
}

// regionMeasures are the native values of the region components.
type regionMeasures struct {
	mean, variance float64 // of luminance/255 over the face region
	dark, bright   float64 // shares of the face region at 0..25 and 247..255
	entropy        float64 // of the face region's luminance histogram, bits
	uniformity     float64 // histogram intersection of the two cheek zones
	colour         float64 // distance of the cheeks' mean a*, b* from the natural range
	cheekA, cheekB float64
	cheeks         [2]image.Rectangle
	faceArea       int
}

func (a *aligned) regions() regionMeasures {
	var m regionMeasures
	var hist [256]float64
	for y := range alignedSide {
		for x := a.rows[y][0]; x < a.rows[y][1]; x++ {
			i := 3 * (y*alignedSide + x)
			hist[luma(a.rgb[i], a.rgb[i+1], a.rgb[i+2])]++
			m.faceArea++
		}
	}
	if m.faceArea == 0 {
		return m
	}
	n := float64(m.faceArea)
	for v, c := range hist {
		p := c / n
		m.mean += p * float64(v) / 255
		if v <= 25 {
			m.dark += p
		}
		if v >= 247 {
			m.bright += p
		}
		if p > 0 {
			m.entropy -= p * math.Log2(p)
		}
	}
	for v, c := range hist {
		d := float64(v)/255 - m.mean
		m.variance += c / n * d * d
	}
	// The cheek zones (OFIQ's "regions of interest"): squares of 0.3 IED
	// under each eye on its nose side, half the eye-to-mouth distance down,
	// from the landmarks rounded to whole pixels as OFIQ rounds them.
	n2 := landmarksOf(a.lm)
	rp := func(p pt) pt { return pt{math.Round(p.x), math.Round(p.y)} }
	eyeL, eyeR := rp(n2.eyeL), rp(n2.eyeR)
	ied := dist(eyeL, eyeR)
	mouth := dist(rp(midpoint(eyeL, eyeR)), rp(n2.mouthMid))
	zone := int(ied * 0.3)
	down := int(mouth / 2)
	m.cheeks = [2]image.Rectangle{
		image.Rect(int(eyeR.x)-zone, int(eyeR.y)+down, int(eyeR.x), int(eyeR.y)+down+zone),
		image.Rect(int(eyeL.x), int(eyeL.y)+down, int(eyeL.x)+zone, int(eyeL.y)+down+zone),
	}
	var hs [2][256]float64
	var sum [3]float64
	var count int
	frame := image.Rect(0, 0, alignedSide, alignedSide)
	for k, r := range m.cheeks {
		r = r.Intersect(frame)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb := a.at(x, y)
				hs[k][luma(cr, cg, cb)]++
				sum[0], sum[1], sum[2] = sum[0]+float64(cr), sum[1]+float64(cg), sum[2]+float64(cb)
				count++
			}
		}
	}
	t0, t1 := total(hs[0][:]), total(hs[1][:])
	if t0 > 0 && t1 > 0 {
		for v := range 256 {
			m.uniformity += math.Min(hs[0][v]/t0, hs[1][v]/t1)
		}
	}
	if count > 0 {
		m.cheekA, m.cheekB = labAB(sum[0]/float64(count)/255, sum[1]/float64(count)/255, sum[2]/float64(count)/255)
		m.colour = naturalColour(m.cheekA, m.cheekB)
	} else {
		m.colour = 100
	}
	return m
}

func total(h []float64) float64 {
	var s float64
	for _, v := range h {
		s += v
	}
	return s
}

// labAB converts a mean sRGB colour (0..1 a channel) to CIELAB a* and b*
// with OFIQ's constants (D50 white, Bradford-adapted sRGB matrix).
func labAB(r, g, b float64) (float64, float64) {
	lin := func(v float64) float64 {
		if v > 0.04045 {
			return math.Pow((v+0.055)/1.055, 2.4)
		}
		return v / 12.92
	}
	R, G, B := lin(r), lin(g), lin(b)
	X := (R*0.43605 + G*0.38508 + B*0.14309) / 0.964221
	Y := R*0.22249 + G*0.71689 + B*0.06062
	Z := (R*0.01393 + G*0.09710 + B*0.71419) / 0.825211
	// OFIQ's k is 24289/27 (CIE's kappa is 24389/27); kept as OFIQ has it,
	// it matters only for the darkest colours.
	const k, eps = 24289 / 27.0, 216 / 24389.0
	f := func(v float64) float64 {
		if v <= eps {
			return (k*v + 16) / 116
		}
		return math.Cbrt(v)
	}
	return 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))
}

// naturalColour is OFIQ's distance of (a*, b*) from the natural skin range
// a* 5..25, b* 5..35; 100 when either is negative.
func naturalColour(a, b float64) float64 {
	if a < 0 || b < 0 {
		return 100
	}
	da := math.Max(math.Max(0, 5-a), math.Max(0, a-25))
	db := math.Max(math.Max(0, 5-b), math.Max(0, b-35))
	return math.Sqrt(da*da + db*db)
}

// Aligned is a face as the region components see it: warped into OFIQ's
// 616 x 616 reference frame, black outside the face region, with its
// landmarks and the two cheek zones illumination uniformity and natural
// colour read, in the frame's pixels. It is for looking at: Measure does
// not need it.
type Aligned struct {
	Frame     *image.RGBA
	Landmarks []image.Point
	Cheeks    [2]image.Rectangle // the image-right and the image-left one
}

// Align warps img's face (dlib's 68 landmarks) into the reference frame.
func Align(img image.Image, landmarks []image.Point) (*Aligned, error) {
	if len(landmarks) != 68 {
		return nil, ErrLandmarks
	}
	a := align(img, toF(landmarks))
	defer a.release()
	out := &Aligned{Frame: image.NewRGBA(image.Rect(0, 0, alignedSide, alignedSide)), Cheeks: a.regions().cheeks}
	for y := range alignedSide {
		for x := range alignedSide {
			r, g, b := a.at(x, y)
			copy(out.Frame.Pix[out.Frame.PixOffset(x, y):], []uint8{r, g, b, 0xff})
		}
	}
	for _, p := range a.lm {
		out.Landmarks = append(out.Landmarks, image.Pt(int(math.Round(p.x)), int(math.Round(p.y))))
	}
	return out, nil
}
