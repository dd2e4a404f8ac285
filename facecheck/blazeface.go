package facecheck

import (
	"cmp"
	"math"
	"slices"
)

// BlazeFace's outputs, as MediaPipe's face detection graphs read them:
// per anchor one score logit and 16 numbers, a box (centre x, centre y,
// width, height) and six keypoints (x, y), all in pixels of the square
// input and relative to the anchor's centre.
const (
	blazeCoords    = 16
	blazeKeypoints = 6
)

// Keypoint names one of BlazeFace's six points. Right and left are the
// subject's: on an upright face the right eye is on the image's left.
type Keypoint int

const (
	RightEye Keypoint = iota
	LeftEye
	NoseTip
	Mouth
	RightEar
	LeftEar
)

// blazeSpec is one BlazeFace model: its square input size and the strides
// of its anchor layers (MediaPipe's SsdAnchorsCalculator options for that
// model: 4 layers, aspect ratio 1 with one interpolated anchor per layer,
// a fixed anchor size, centres offset by half a cell).
type blazeSpec struct {
	size    int
	strides []int
}

var (
	// blazeBack is the 256 px "back camera" model, which finds smaller
	// faces; facegate's detector.
	blazeBack = blazeSpec{size: 256, strides: []int{16, 32, 32, 32}}
	// blazeFront is the 128 px selfie model.
	blazeFront = blazeSpec{size: 128, strides: []int{8, 16, 16, 16}}
)

// anchors returns the anchor centres, in units of the input's side, in
// the order of the model's outputs: layers with the same stride share one
// grid, each cell holding two anchors per layer, row by row.
func (s blazeSpec) anchors() [][2]float64 {
	var out [][2]float64
	for l := 0; l < len(s.strides); {
		stride := s.strides[l]
		n := 0
		for l < len(s.strides) && s.strides[l] == stride {
			n += 2 // aspect ratio 1, and the interpolated scale
			l++
		}
		cells := (s.size + stride - 1) / stride
		for y := range cells {
			for x := range cells {
				for range n {
					out = append(out, [2]float64{(float64(x) + 0.5) / float64(cells), (float64(y) + 0.5) / float64(cells)})
				}
			}
		}
	}
	return out
}

// rawFace is one detection on the model's input, in units of its side.
type rawFace struct {
	x0, y0, x1, y1 float64
	pts            [blazeKeypoints][2]float64
	score          float64
}

// decodeBlaze turns the model's outputs (logits, one per anchor, and
// blazeCoords numbers per anchor) into detections scoring at least
// minScore.
func decodeBlaze(spec blazeSpec, anchors [][2]float64, logits, coords []float32, minScore float64) []rawFace {
	if len(logits) < len(anchors) || len(coords) < blazeCoords*len(anchors) {
		return nil
	}
	// sigmoid(x) >= minScore  <=>  x >= logit(minScore)
	minLogit := math.Log(minScore / (1 - minScore))
	side := float64(spec.size)
	var out []rawFace
	for i, a := range anchors {
		l := float64(logits[i])
		if l < minLogit || math.IsNaN(l) {
			continue
		}
		l = math.Max(-100, math.Min(100, l)) // MediaPipe's score clipping
		c := coords[blazeCoords*i : blazeCoords*(i+1)]
		cx, cy := float64(c[0])/side+a[0], float64(c[1])/side+a[1]
		w, h := float64(c[2])/side, float64(c[3])/side
		f := rawFace{x0: cx - w/2, y0: cy - h/2, x1: cx + w/2, y1: cy + h/2, score: 1 / (1 + math.Exp(-l))}
		for k := range blazeKeypoints {
			f.pts[k] = [2]float64{float64(c[4+2*k])/side + a[0], float64(c[5+2*k])/side + a[1]}
		}
		if w <= 0 || h <= 0 || !finite(f) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func finite(f rawFace) bool {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !ok(f.x0) || !ok(f.y0) || !ok(f.x1) || !ok(f.y1) {
		return false
	}
	for _, p := range f.pts {
		if !ok(p[0]) || !ok(p[1]) {
			return false
		}
	}
	return true
}

// nmsIoU is MediaPipe's suppression threshold for BlazeFace.
const nmsIoU = 0.3

// weightedNMS merges overlapping detections as MediaPipe's weighted
// non-maximum suppression does: best score first, every remaining
// detection that overlaps it by more than iou is folded into it, its box
// and keypoints the score-weighted mean of the group, its score the best.
func weightedNMS(faces []rawFace, iou float64) []rawFace {
	rest := slices.Clone(faces)
	slices.SortStableFunc(rest, func(a, b rawFace) int { return cmp.Compare(b.score, a.score) })
	var out []rawFace
	for len(rest) > 0 {
		top := rest[0]
		var group, keep []rawFace
		for _, f := range rest {
			if rawIoU(top, f) > iou {
				group = append(group, f)
			} else {
				keep = append(keep, f)
			}
		}
		if len(group) == 0 { // a degenerate box overlaps nothing, not even itself
			group, keep = rest[:1], rest[1:]
		}
		var m rawFace
		var sum float64
		for _, f := range group {
			w := f.score
			sum += w
			m.x0 += w * f.x0
			m.y0 += w * f.y0
			m.x1 += w * f.x1
			m.y1 += w * f.y1
			for k := range m.pts {
				m.pts[k][0] += w * f.pts[k][0]
				m.pts[k][1] += w * f.pts[k][1]
			}
		}
		m.x0, m.y0, m.x1, m.y1 = m.x0/sum, m.y0/sum, m.x1/sum, m.y1/sum
		for k := range m.pts {
			m.pts[k][0] /= sum
			m.pts[k][1] /= sum
		}
		m.score = top.score
		out = append(out, m)
		rest = keep
	}
	return out
}

func rawIoU(a, b rawFace) float64 {
	iw := math.Min(a.x1, b.x1) - math.Max(a.x0, b.x0)
	ih := math.Min(a.y1, b.y1) - math.Max(a.y0, b.y0)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	in := iw * ih
	u := (a.x1-a.x0)*(a.y1-a.y0) + (b.x1-b.x0)*(b.y1-b.y0) - in
	if u <= 0 {
		return 0
	}
	return in / u
}
