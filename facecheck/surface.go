package facecheck

import (
	"image"
	"math"
)

// The face-surface model (see SurfaceModel) reads an aligned crop of the
// face: a square of SurfaceSize pixels around dlib's 68 points, turned so
// that the eyes are level, its side 1.5 times the points' larger extent.
// It returns a SurfaceGrid × SurfaceGrid map of the probability that each
// cell is covered by something in front of the face, the probability that
// the face is a person's, and MediaPipe's face-presence score.
const (
	SurfaceSize = 192
	SurfaceGrid = 48
	cropScale   = 1.5
)

// Region names a part of the face whose cover Cover reports.
type Region int

const (
	RegionRightEye Region = iota // the subject's right eye and its surroundings
	RegionLeftEye
	RegionNose
	RegionMouth
	RegionForehead
	RegionLower // the lower face: below the middle of the nose, inside the jaw line
	RegionFace  // the whole face: jaw line up to the forehead
	NumRegions
	numRegions = NumRegions
)

var regionNames = [numRegions]string{"right eye", "left eye", "nose", "mouth", "forehead", "lower face", "face"}

func (r Region) String() string {
	if r < 0 || r >= numRegions {
		return "region?"
	}
	return regionNames[r]
}

// Cover is what the face-surface model read on one face.
type Cover struct {
	// Covered is the share (0..1) of each region (indexed by Region) whose
	// cells the model reads as covered by something in front of the face:
	// a mask, a hand, sunglasses, a scarf, hair.
	Covered [numRegions]float64
	// Human is the model's probability that the face is a person's (not an
	// animal's, a drawing's or a pattern's).
	Human float64
	// Presence is MediaPipe's face-presence score for the crop.
	Presence float64
	// Glare is the share (0..1) of each eye's region, right then left,
	// that is blown out (luma 250 and more): a reflection hiding the eye.
	Glare [2]float64
	// EyeZones and Lips are the covered shares of OFIQ's zones for its
	// EyesVisible and MouthOcclusionPrevention components: each eye's
	// points' bounding box grown by a twentieth of the eye distance, and
	// the outer lips as they are.
	EyeZones, Lips float64
	// Map is the covered probability of each cell of the crop, row by row
	// (SurfaceGrid × SurfaceGrid), when asked for.
	Map []float32 `json:",omitempty"`
	// Crop is where the crop was taken, for drawing the map on the photo.
	Crop Crop
}

// Eyes is the larger of the two eyes' covered shares.
func (c *Cover) Eyes() float64 { return math.Max(c.Covered[RegionRightEye], c.Covered[RegionLeftEye]) }

// LowerFace is the largest of the nose's, the mouth's and the lower
// face's covered shares: the lower face's holds where the landmarks,
// fitted on a covered face, misplace the mouth.
func (c *Cover) LowerFace() float64 {
	return max(c.Covered[RegionNose], c.Covered[RegionMouth], c.Covered[RegionLower])
}

// Crop is the square the face-surface model reads: its centre, side and
// turn (radians, the eye line's angle) in image pixels.
type Crop struct {
	CX, CY, Side, Angle float64
}

// CropOf places the aligned crop on a face's 68 landmarks; ok is false
// with fewer points.
func CropOf(pts []image.Point) (c Crop, ok bool) {
	if len(pts) != 68 {
		return Crop{}, false
	}
	var mx, my float64
	for _, p := range pts {
		mx += float64(p.X) + 0.5
		my += float64(p.Y) + 0.5
	}
	mx /= 68
	my /= 68
	re, le := meanPt(pts[36:42]), meanPt(pts[42:48])
	ang := math.Atan2(le[1]-re[1], le[0]-re[0])
	ca, sa := math.Cos(ang), math.Sin(ang)
	u0, u1, v0, v1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		dx, dy := float64(p.X)+0.5-mx, float64(p.Y)+0.5-my
		u, v := dx*ca+dy*sa, -dx*sa+dy*ca
		u0, u1 = math.Min(u0, u), math.Max(u1, u)
		v0, v1 = math.Min(v0, v), math.Max(v1, v)
	}
	mu, mv := (u0+u1)/2, (v0+v1)/2
	c = Crop{CX: mx + mu*ca - mv*sa, CY: my + mu*sa + mv*ca, Side: math.Max(u1-u0, v1-v0) * cropScale, Angle: ang}
	return c, c.Side > 0
}

func meanPt(ps []image.Point) [2]float64 {
	var x, y float64
	for _, p := range ps {
		x += float64(p.X) + 0.5
		y += float64(p.Y) + 0.5
	}
	n := float64(len(ps))
	return [2]float64{x / n, y / n}
}

// ToCrop maps an image point (pixel centre) into the crop's pixels.
func (c Crop) ToCrop(p image.Point) [2]float64 {
	dx, dy := float64(p.X)+0.5-c.CX, float64(p.Y)+0.5-c.CY
	ca, sa := math.Cos(c.Angle), math.Sin(c.Angle)
	k := SurfaceSize / c.Side
	return [2]float64{(dx*ca+dy*sa)*k + SurfaceSize/2, (-dx*sa+dy*ca)*k + SurfaceSize/2}
}

// ToImage maps a point of the crop (in its pixels) to the image.
func (c Crop) ToImage(u, v float64) (x, y float64) {
	a, b := (u/SurfaceSize-0.5)*c.Side, (v/SurfaceSize-0.5)*c.Side
	ca, sa := math.Cos(c.Angle), math.Sin(c.Angle)
	return c.CX + ca*a - sa*b, c.CY + sa*a + ca*b
}

// sample writes the crop of img into dst (SurfaceSize² RGB, row by row):
// the region under the square averaged down by a whole factor when the
// square is at least two crops wide, then sampled bilinearly, black
// outside the image.
func (c Crop) sample(img image.Image, dst []uint8) {
	const out = SurfaceSize
	ca, sa := math.Cos(c.Angle), math.Sin(c.Angle)
	f := max(1, int(c.Side/out))
	h := c.Side / 2
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range [4][2]float64{{-h, -h}, {-h, h}, {h, -h}, {h, h}} {
		x, y := c.CX+ca*s[0]-sa*s[1], c.CY+sa*s[0]+ca*s[1]
		x0, y0, x1, y1 = math.Min(x0, x), math.Min(y0, y), math.Max(x1, x), math.Max(y1, y)
	}
	b := img.Bounds()
	r := image.Rect(int(math.Floor(x0))-1, int(math.Floor(y0))-1, int(math.Ceil(x1))+1, int(math.Ceil(y1))+1).Intersect(b)
	clear(dst[:3*out*out])
	if r.Empty() {
		return
	}
	// The region relative to the image's origin, as the Python reference
	// crops it (its x0, y0 are clamped at 0).
	W, H := r.Dx()/f, r.Dy()/f
	if W < 1 || H < 1 {
		W, H = max(1, r.Dx()), max(1, r.Dy())
		f = 1
	}
	src := make([]uint8, 3*W*H)
	if f == 1 {
		row := make([]uint8, 3*r.Dx())
		for y := range H {
			rgbRow(img, r.Min.Y+y, r.Min.X, row)
			copy(src[3*W*y:], row[:3*W])
		}
	} else {
		areaRGB(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+W*f, r.Min.Y+H*f), W, H, src)
	}
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	fk := float64(f)
	for v := range out {
		bb := ((float64(v)+0.5)/out - 0.5) * c.Side
		for u := range out {
			a := ((float64(u)+0.5)/out - 0.5) * c.Side
			sx := (c.CX+ca*a-sa*bb-ox)/fk - 0.5
			sy := (c.CY+sa*a+ca*bb-oy)/fk - 0.5
			fx0, fy0 := math.Floor(sx), math.Floor(sy)
			ix, iy := int(fx0), int(fy0)
			fx, fy := float32(sx-fx0), float32(sy-fy0)
			if ix < -1 || iy < -1 || ix >= W || iy >= H {
				continue // outside: black
			}
			// The four neighbours' weights; one outside the image is black.
			w := [4]float32{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy}
			idx := [4]int{-1, -1, -1, -1}
			for j, q := range [4][2]int{{ix, iy}, {ix + 1, iy}, {ix, iy + 1}, {ix + 1, iy + 1}} {
				if q[0] >= 0 && q[1] >= 0 && q[0] < W && q[1] < H {
					idx[j] = 3 * (q[1]*W + q[0])
				}
			}
			d := dst[3*(v*out+u) : 3*(v*out+u)+3]
			for ch := range 3 {
				var val float32
				for j, i := range idx {
					if i >= 0 {
						val += w[j] * float32(src[i+ch])
					}
				}
				d[ch] = uint8(min(255, val+0.5))
			}
		}
	}
}

// surfaceRegions are the polygons of each Region in the crop's pixels,
// from the 68 landmarks mapped into it: the eyes' outlines grown 1.7
// times about their centres, the nose from its bridge to its base and the
// outer lips grown 1.15 times, the forehead a band from just above the
// brows to 0.6 eye distances above them, and the face the jaw line closed
// by the top of that band.
func surfaceRegions(lm [][2]float64) [numRegions][][2]float64 {
	grow := func(idx []int, k float64) [][2]float64 {
		var cx, cy float64
		for _, i := range idx {
			cx += lm[i][0]
			cy += lm[i][1]
		}
		cx /= float64(len(idx))
		cy /= float64(len(idx))
		out := make([][2]float64, len(idx))
		for j, i := range idx {
			out[j] = [2]float64{cx + (lm[i][0]-cx)*k, cy + (lm[i][1]-cy)*k}
		}
		return out
	}
	span := func(a, b int) []int {
		var s []int
		for i := a; i < b; i++ {
			s = append(s, i)
		}
		return s
	}
	var r [numRegions][][2]float64
	r[RegionRightEye] = grow(span(36, 42), 1.7)
	r[RegionLeftEye] = grow(span(42, 48), 1.7)
	r[RegionNose] = grow([]int{27, 31, 32, 33, 34, 35}, 1.15)
	r[RegionMouth] = grow(span(48, 60), 1.15)
	re, le := meanF(lm[36:42]), meanF(lm[42:48])
	ipd := math.Hypot(le[0]-re[0], le[1]-re[1])
	var fh, face [][2]float64
	for i := 17; i < 27; i++ {
		fh = append(fh, [2]float64{lm[i][0], lm[i][1] - 0.12*ipd})
	}
	for i := 26; i >= 17; i-- {
		fh = append(fh, [2]float64{lm[i][0], lm[i][1] - 0.6*ipd})
	}
	r[RegionForehead] = fh
	var lower [][2]float64
	lower = append(lower, lm[2:15]...)
	lower = append(lower, [2]float64{lm[14][0], lm[29][1]}, [2]float64{lm[2][0], lm[29][1]})
	r[RegionLower] = lower
	face = append(face, lm[0:17]...)
	for i := 26; i >= 17; i-- {
		face = append(face, [2]float64{lm[i][0], lm[i][1] - 0.6*ipd})
	}
	r[RegionFace] = face
	return r
}

// Regions are the outlines of each Region of a face with these 68
// landmarks, in the image's pixels (for drawing them).
func (c Crop) Regions(pts []image.Point) [NumRegions][][2]float64 {
	lm := make([][2]float64, len(pts))
	for i, p := range pts {
		lm[i] = c.ToCrop(p)
	}
	r := surfaceRegions(lm)
	for i := range r {
		for j, q := range r[i] {
			x, y := c.ToImage(q[0], q[1])
			r[i][j] = [2]float64{x, y}
		}
	}
	return r
}

func meanF(ps [][2]float64) [2]float64 {
	var x, y float64
	for _, p := range ps {
		x += p[0]
		y += p[1]
	}
	return [2]float64{x / float64(len(ps)), y / float64(len(ps))}
}

// rasterize marks the cells of a size × size grid over the crop whose
// centres lie inside poly (crop pixels; even-odd rule). Only the cells in
// the polygon's bounding box are tested.
func rasterize(poly [][2]float64, size int, cells []bool) {
	clear(cells[:size*size])
	k := float64(size) / SurfaceSize
	n := len(poly)
	if n < 3 {
		return
	}
	pts := make([][2]float64, n)
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range poly {
		pts[i] = [2]float64{p[0] * k, p[1] * k}
		x0, y0 = math.Min(x0, pts[i][0]), math.Min(y0, pts[i][1])
		x1, y1 = math.Max(x1, pts[i][0]), math.Max(y1, pts[i][1])
	}
	gx0, gy0 := max(0, int(math.Floor(x0-0.5))), max(0, int(math.Floor(y0-0.5)))
	gx1, gy1 := min(size-1, int(math.Ceil(x1))), min(size-1, int(math.Ceil(y1)))
	for gy := gy0; gy <= gy1; gy++ {
		y := float64(gy) + 0.5
		for gx := gx0; gx <= gx1; gx++ {
			x := float64(gx) + 0.5
			in := false
			for i := range n {
				a, b := pts[i], pts[(i+1)%n]
				if (a[1] > y) != (b[1] > y) && x < a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
					in = !in
				}
			}
			cells[gy*size+gx] = in
		}
	}
}

// inside marks the cells of the model's map whose centre falls inside
// the image bounds b: a face cut off by the frame is not covered where
// the photo ends (the crop is black there).
func (c Crop) inside(b image.Rectangle) []bool {
	out := make([]bool, SurfaceGrid*SurfaceGrid)
	const cell = float64(SurfaceSize) / SurfaceGrid
	for v := range SurfaceGrid {
		for u := range SurfaceGrid {
			x, y := c.ToImage((float64(u)+0.5)*cell, (float64(v)+0.5)*cell)
			out[v*SurfaceGrid+u] = x >= float64(b.Min.X) && y >= float64(b.Min.Y) && x < float64(b.Max.X) && y < float64(b.Max.Y)
		}
	}
	return out
}

// shares fills the covered share of each region from the map (cells over
// 0.5 covered), counting only the cells inside the image (inside), and
// each eye's glare from the crop's pixels.
func (c *Cover) shares(lm [][2]float64, prob []float32, crop []uint8, inside []bool) {
	regs := surfaceRegions(lm)
	cells := make([]bool, SurfaceGrid*SurfaceGrid)
	for r := range numRegions {
		rasterize(regs[r], SurfaceGrid, cells)
		n, in := 0, 0
		for i, ok := range cells {
			if ok && inside[i] {
				n++
				if prob[i] > 0.5 {
					in++
				}
			}
		}
		if n > 0 {
			c.Covered[r] = float64(in) / float64(n)
		}
	}
	// OFIQ's zones.
	share := func(poly ...[][2]float64) float64 {
		n, in := 0, 0
		for _, p := range poly {
			rasterize(p, SurfaceGrid, cells)
			for i, ok := range cells {
				if ok && inside[i] {
					n++
					if prob[i] > 0.5 {
						in++
					}
				}
			}
		}
		if n == 0 {
			return 0
		}
		return float64(in) / float64(n)
	}
	re, le := meanF(lm[36:42]), meanF(lm[42:48])
	v := math.Hypot(le[0]-re[0], le[1]-re[1]) / 20
	zone := func(pts [][2]float64) [][2]float64 {
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range pts {
			x0, y0, x1, y1 = math.Min(x0, p[0]), math.Min(y0, p[1]), math.Max(x1, p[0]), math.Max(y1, p[1])
		}
		return [][2]float64{{x0 - v, y0 - v}, {x1 + v, y0 - v}, {x1 + v, y1 + v}, {x0 - v, y1 + v}}
	}
	c.EyeZones = share(zone(lm[36:42]), zone(lm[42:48]))
	c.Lips = share(lm[48:60])
	// Glare: blown-out pixels of the crop inside each eye's region.
	full := make([]bool, SurfaceSize*SurfaceSize)
	for e, r := range []Region{RegionRightEye, RegionLeftEye} {
		rasterize(regs[r], SurfaceSize, full)
		n, hot := 0, 0
		for i, ok := range full {
			if !ok {
				continue
			}
			n++
			p := crop[3*i:]
			if (299*int(p[0])+587*int(p[1])+114*int(p[2]))/1000 >= 250 {
				hot++
			}
		}
		if n > 0 {
			c.Glare[e] = float64(hot) / float64(n)
		}
	}
}
