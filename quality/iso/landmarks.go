package iso

import (
	"image"
	"math"
)

type pt struct{ x, y float64 }

func toF(ps []image.Point) []pt {
	out := make([]pt, len(ps))
	for i, p := range ps {
		out[i] = pt{float64(p.X), float64(p.Y)}
	}
	return out
}

func dist(a, b pt) float64 { return math.Hypot(a.x-b.x, a.y-b.y) }

func midpoint(a, b pt) pt { return pt{(a.x + b.x) / 2, (a.y + b.y) / 2} }

// dlib's 68 points that stand for OFIQ's (ADNet's 98): "left" and
// "right" are as seen in the image, as OFIQ names them.
const (
	dlibChin        = 8  // ADNet 16
	dlibNoseTip     = 30 // ADNet 54
	dlibMouthLeft   = 48 // ADNet 76
	dlibMouthRight  = 54 // ADNet 82
	dlibInnerLipTop = 62 // ADNet 90
	dlibInnerLipBot = 66 // ADNet 94
)

// Eye corners (ADNet 60/64 and 68/72) and the lid pairs that measure
// openness (ADNet has three per eye, dlib two), and the inner-lip pairs.
var (
	eyeCornersImageLeft  = [2]int{36, 39}
	eyeCornersImageRight = [2]int{42, 45}
	eyePairsImageLeft    = [][2]int{{37, 41}, {38, 40}}
	eyePairsImageRight   = [][2]int{{43, 47}, {44, 46}}
	innerLipPairs        = [][2]int{{61, 67}, {62, 66}, {63, 65}}
)

// refs are the points the alignment fits, and where OFIQ's 616 x 616
// reference frame puts them.
var refs = [5]pt{{251, 272}, {364, 272}, {308, 336}, {262, 402}, {355, 402}}

// alignedSide is the side of OFIQ's aligned face image.
const alignedSide = 616

// named are the reference points of a landmark set.
type named struct {
	eyeL, eyeR, nose, mouthL, mouthR, chin, mouthMid pt
}

func landmarksOf(p []pt) named {
	return named{
		eyeL:     midpoint(p[eyeCornersImageLeft[0]], p[eyeCornersImageLeft[1]]),
		eyeR:     midpoint(p[eyeCornersImageRight[0]], p[eyeCornersImageRight[1]]),
		nose:     p[dlibNoseTip],
		mouthL:   p[dlibMouthLeft],
		mouthR:   p[dlibMouthRight],
		chin:     p[dlibChin],
		mouthMid: midpoint(p[dlibInnerLipTop], p[dlibInnerLipBot]),
	}
}

func (n named) eyeMid() pt { return midpoint(n.eyeL, n.eyeR) }

// t is OFIQ's T: from the eyes' midpoint to the chin.
func (n named) t() float64 { return dist(n.eyeMid(), n.chin) }

func maxPair(p []pt, pairs [][2]int) float64 {
	var m float64
	for _, q := range pairs {
		m = math.Max(m, dist(p[q[0]], p[q[1]]))
	}
	return m
}

// similarity maps x' = a x - b y + tx, y' = b x + a y + ty.
type similarity struct{ a, b, tx, ty float64 }

func (s similarity) apply(p pt) pt {
	return pt{s.a*p.x - s.b*p.y + s.tx, s.b*p.x + s.a*p.y + s.ty}
}

// inverse is the transform back.
func (s similarity) inverse() similarity {
	d := s.a*s.a + s.b*s.b
	ia, ib := s.a/d, -s.b/d
	return similarity{ia, ib, -(ia*s.tx - ib*s.ty), -(ib*s.tx + ia*s.ty)}
}

// fitSimilarity is the rotation, uniform scale and shift that takes src
// nearest to dst in least squares.
func fitSimilarity(src, dst []pt) similarity {
	var sc, dc pt
	for i := range src {
		sc.x, sc.y = sc.x+src[i].x, sc.y+src[i].y
		dc.x, dc.y = dc.x+dst[i].x, dc.y+dst[i].y
	}
	n := float64(len(src))
	sc, dc = pt{sc.x / n, sc.y / n}, pt{dc.x / n, dc.y / n}
	var num1, num2, den float64
	for i := range src {
		px, py := src[i].x-sc.x, src[i].y-sc.y
		qx, qy := dst[i].x-dc.x, dst[i].y-dc.y
		num1 += px*qx + py*qy
		num2 += px*qy - py*qx
		den += px*px + py*py
	}
	if den == 0 {
		return similarity{a: 1}
	}
	a, b := num1/den, num2/den
	return similarity{a, b, dc.x - (a*sc.x - b*sc.y), dc.y - (b*sc.x + a*sc.y)}
}
