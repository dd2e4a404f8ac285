package facecheck

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"math"
	"slices"
	"sync/atomic"
)

// Search parameters of the keypoint detector (see findKeypoints).
const (
	// DefaultMinScore is the BlazeFace score a face needs. At 0.75 the
	// corpus's dog photo and its faceless photos read no face, and faces
	// of 8 px and more on the detector's input are found.
	DefaultMinScore = 0.75
	// tileFaceFloor is the size, in pixels of the detector's input, that
	// tiles give a face of half the minimum size: BlazeFace scores faces
	// of 12-14 px over 0.8 on the corpus. A tile may be up to tileSlack
	// larger (the face that much smaller) when that saves a row or a
	// column of tiles; at 10 px the corpus's faces still score 0.78-0.85.
	tileFaceFloor = 12
	tileSlack     = 1.15
	// tileRatio is how much larger, at most, one tile level's scale is
	// than the next coarser one: BlazeFace finds faces from under 10 px
	// to the whole input, so a level finds every face the coarser one is
	// too small for.
	tileRatio = 8
	// guardScore is the score under which a face may be a half-turned
	// one read as upright, so the half-turned copy is searched too. On the
	// corpus's face photos turned by 180°, the upright reading scores at
	// most 0.84 (and 0.5-0.8 on most); the faces upright score 0.82-0.98.
	guardScore = 0.9
	// candidateScore is the score from which a face found on the upright
	// view is read again on the view that shows it upright. On corpus
	// portraits turned by a quarter or a half, the upright view scores
	// the face 0.45 or more when it finds it at all (0.48-0.94); the faces
	// it does not see, upside down, are searched on the half-turned view.
	candidateScore = 0.45
	// smallOnWhole is the width, in pixels of the detector's input, under
	// which every face the whole image's pass found sends the search on to
	// the tiles: faces just over the minimum size pasted into phone photos
	// (4608x1976, about 13 px there) were found with their keypoints
	// misplaced, fitted in a 27-46 px box and set aside as not a person's
	// face, while the tiles read them right (benchmarks/secondlook.sh).
	smallOnWhole = 2 * tileFaceFloor
)

// Calibration of the box dlib's predictor is given (see fitKeypoints):
// on upright faces of the corpus, dlib's HOG box is on median 1.2 times
// as wide as the eye keypoints' distance plus the mouth's distance below
// them, and its centre 0.19 of its width below the middle of the eyes.
// BlazeFace's own box is not used: it shrinks by up to a fifth on faces
// turned 30-60 degrees, while the keypoints' distances stay within 6 %.
const (
	boxPerKeys = 1.2
	boxDrop    = 0.19
	// fitUpright is the roll, in degrees, under which the predictor is
	// fitted on the image as it is, as on the HOG path (dlib's model is
	// trained on faces tilted that much, and fits them as well); beyond
	// it, on a copy of the face's neighbourhood turned upright.
	fitUpright = 10.0
	// maxFitBox is the largest box, in pixels, fitted on a turned copy;
	// a larger face is fitted on a copy shrunk to this.
	maxFitBox = 400
)

// findKeypoints finds faces with BlazeFace and fits dlib's landmarks to
// each on the face turned upright. Passes, each one forward of the
// detector, on a copy of at most its input's size:
//
//   - the whole image, letterboxed;
//   - the view that shows a face upright, when its reading may be wrong
//     or it scores only as a candidate (see confirm): the quarter-turned
//     and half-turned copies, each once at most;
//   - when there is still no face, the half-turned copy (a face upside
//     down may score nothing upright);
//   - when there is still none, or every face is wanted (Relative 0),
//     tiles, at the scale where a face of half MinFace has tileFaceFloor
//     pixels, overlapping by more than the largest face the coarser pass
//     could miss.
func (a *Analyzer) findKeypoints(ctx context.Context, img image.Image, opts *FindOptions) ([]Face, error) {
	b := img.Bounds()
	if b.Dx() < 2 || b.Dy() < 2 {
		return nil, nil
	}
	var weak *[]KeyFace
	if a.secondLook {
		weak = new([]KeyFace)
	}
	keys, err := a.detectKeypoints(ctx, img, opts, weak)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 && a.secondLook {
		secondLooks.Add(1)
		return a.lookAgain(ctx, img, opts, *weak)
	}
	return a.MeasureKeys(ctx, img, keys, opts)
}

// secondLooks counts the HOG searches after BlazeFace found nothing.
var secondLooks atomic.Int64

// SecondLooks is how many times, in this process, a keypoint analyzer
// searched an image again with HOG because BlazeFace found no face.
func SecondLooks() int64 { return secondLooks.Load() }

// MeasureKeys fits the landmarks to faces the keypoint detector found
// (in img's coordinates, perhaps on a smaller copy of it, scaled), on
// each face turned upright, and measures them, largest first. Faces
// under opts.Relative times the largest are left out.
func (a *Analyzer) MeasureKeys(ctx context.Context, img image.Image, keys []KeyFace, opts *FindOptions) ([]Face, error) {
	if rel := opts.relative(); rel > 0 && len(keys) > 1 {
		big := 0.0
		for _, k := range keys {
			big = max(big, k.width())
		}
		keys = slices.DeleteFunc(keys, func(k KeyFace) bool { return k.width() < 0.8*rel*big })
	}
	dets := make([]Detection, 0, len(keys))
	for _, k := range keys {
		if d, ok := k.Detection(); ok {
			dets = append(dets, d)
		}
	}
	return a.MeasureAt(ctx, img, dets)
}

// DetectKeypoints runs the keypoint detector's passes (see the Analyzer's
// Find) and returns the faces it found, best score first, in img's
// coordinates, without landmarks.
func (a *Analyzer) DetectKeypoints(ctx context.Context, img image.Image, opts *FindOptions) ([]KeyFace, error) {
	return a.detectKeypoints(ctx, img, opts, nil)
}

// detectKeypoints is DetectKeypoints; with weak set, every pass's
// candidates under the score a face needs, down to guideScore, are
// appended to it (see lookAgain).
func (a *Analyzer) detectKeypoints(ctx context.Context, img image.Image, opts *FindOptions, weak *[]KeyFace) ([]KeyFace, error) {
	if a.bf == nil {
		return nil, fmt.Errorf("%w: this analyzer has no keypoint detector", ErrRuntime)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := a.bf.get()
	if err != nil {
		return nil, err
	}
	defer a.bf.put(s)
	b := img.Bounds()
	S := a.bf.spec.size
	minScore := opts.minScore()
	whole := newView(b, 0, S)
	// The views of the whole image, each run at most once: they share
	// the resampled content, so a turned view costs one forward. They keep
	// candidates from candidateScore on; faces need minScore.
	var ran [4]bool
	var found [4][]KeyFace
	cut := min(candidateScore, minScore)
	run := func(turn int) ([]KeyFace, error) {
		turn &= 3
		if ran[turn] {
			return found[turn], nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		reuse := ran != [4]bool{}
		k, err := a.bf.detect(s, img, newView(b, turn, S), reuse, minScore, cut, weak)
		ran[turn], found[turn] = true, k
		return k, err
	}
	whole0, err := run(0)
	if err != nil {
		return nil, err
	}
	// Faces, and candidates read again on the view that shows them
	// upright: a face turned by a quarter or a half often scores under
	// minScore on the upright view but over it on its own.
	keys, err := confirm(whole0, run, minScore)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		// A face upside down may not even be a candidate upright.
		half, err := run(2)
		if err != nil {
			return nil, err
		}
		if keys, err = confirm(half, run, minScore); err != nil {
			return nil, err
		}
	}
	// A face found that small on the whole image's input may be misread
	// (its keypoints misplaced, the landmarks then fitted in a box a fifth
	// of its size): the tiles read it again, larger.
	small := len(keys) > 0 && !slices.ContainsFunc(keys, func(k KeyFace) bool { return k.width()*whole.scale() >= smallOnWhole })
	if len(keys) == 0 || opts.relative() == 0 || small {
		for _, v := range tileViews(b, S, whole.scale(), opts.minFace()) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			found, err := a.bf.detect(s, img, v, false, minScore, minScore, weak)
			if err != nil {
				return nil, err
			}
			keys = append(keys, found...)
		}
		keys = mergeKeys(keys)
	}
	return keys, nil
}

// confirm reads each face again on the view that shows it upright,
// when its reading may be wrong, keeps the reading that scores higher,
// and returns the faces scoring at least minScore. BlazeFace's keypoints
// are right on a face upright in its input; on one turned by a quarter
// they can be 40-50 degrees off, and a face upside down reads as an
// upright one with its points misplaced (at a lower score than on the
// copy turned back). So a face whose reading is turned more than 45° in
// its view is read on the view that turns it upright, and one that reads
// upright but scores under guardScore, or whose points do not sit as a
// face's (plausible), on the view turned by a half.
func confirm(keys []KeyFace, run func(turn int) ([]KeyFace, error), minScore float64) ([]KeyFace, error) {
	out := slices.Clone(keys)
	for i, k := range keys {
		inView := math.Remainder(k.Roll()+90*float64(k.Turn), 360)
		var turn int
		switch {
		case math.Abs(inView) > 45:
			turn = k.Turn - int(math.Round(inView/90))
		case k.Score < guardScore || !k.plausible():
			turn = k.Turn + 2
		default:
			continue
		}
		again, err := run(turn)
		if err != nil {
			return nil, err
		}
		for _, r := range again {
			if keyIoU(r, out[i]) > nmsIoU && r.Score > out[i].Score {
				out[i] = r
			}
		}
	}
	out = slices.DeleteFunc(out, func(k KeyFace) bool { return k.Score < minScore })
	return mergeKeys(out), nil
}

// plausible reports whether the keypoints sit as on a face: in the
// face's own frame (the eye line level), the nose tip and the mouth below
// the eyes, the mouth below the nose tip, and the mouth a third of the
// eye distance or more below the eyes. A reading that fails is read again
// on the half-turned view. (A face upside down read as upright passes:
// its points are misplaced consistently, which is why confirm compares
// scores as well.)
func (k KeyFace) plausible() bool {
	re, le := k.Points[RightEye], k.Points[LeftEye]
	d := k.IPD()
	if d == 0 {
		return false
	}
	ux, uy := (le[0]-re[0])/d, (le[1]-re[1])/d // along the eyes
	e := midpoint(re, le)
	down := func(p [2]float64) float64 { return -uy*(p[0]-e[0]) + ux*(p[1]-e[1]) }
	nose, mouth := down(k.Points[NoseTip]), down(k.Points[Mouth])
	return nose > 0 && mouth > nose && mouth > d/3
}

// mergeKeys drops, best score first, each face that overlaps one kept.
func mergeKeys(keys []KeyFace) []KeyFace {
	slices.SortStableFunc(keys, func(x, y KeyFace) int { return cmp.Compare(y.Score, x.Score) })
	var out []KeyFace
	for _, k := range keys {
		if !slices.ContainsFunc(out, func(o KeyFace) bool { return keyIoU(o, k) > nmsIoU }) {
			out = append(out, k)
		}
	}
	return out
}

func keyIoU(a, b KeyFace) float64 {
	return rawIoU(rawFace{x0: a.Box[0], y0: a.Box[1], x1: a.Box[2], y1: a.Box[3]},
		rawFace{x0: b.Box[0], y0: b.Box[1], x1: b.Box[2], y1: b.Box[3]})
}

func (k KeyFace) width() float64 { return k.Box[2] - k.Box[0] }

// tileViews covers b with tiles at the scale where a face of half minFace
// has tileFaceFloor pixels on the detector's input, and at coarser levels
// between that and the whole image's scale (each at most tileRatio
// coarser than the next), finest last. Tiles of a level overlap by more
// than the largest face the next coarser pass could miss. None when the
// whole image's pass already reaches that size.
func tileViews(b image.Rectangle, S int, wholeScale, minFace float64) []view {
	want := tileFaceFloor / (minFace / 2)
	var scales []float64
	for sc := want; sc > wholeScale*1.05; sc /= tileRatio {
		scales = append(scales, sc)
	}
	slices.Reverse(scales)
	var out []view
	prev := wholeScale
	for _, sc := range scales {
		T := int(math.Ceil(float64(S) / sc))
		missed := 1.2 * tileFaceFloor / prev // largest face the coarser pass may miss
		ov := min(int(math.Ceil(missed)), T/2)
		// The fewest tiles of side T up to T·tileSlack.
		best, bestN := T, math.MaxInt
		for _, t := range []int{T, int(float64(T) * tileSlack)} {
			if n := len(tileStarts(b.Min.X, b.Dx(), t, ov)) * len(tileStarts(b.Min.Y, b.Dy(), t, ov)); n < bestN {
				best, bestN = t, n
			}
		}
		T = best
		for _, y := range tileStarts(b.Min.Y, b.Dy(), T, ov) {
			for _, x := range tileStarts(b.Min.X, b.Dx(), T, ov) {
				r := image.Rect(x, y, x+T, y+T).Intersect(b)
				out = append(out, newView(r, 0, S))
			}
		}
		prev = sc
	}
	return out
}

// tileStarts spreads tiles of side T, overlapping by at least ov, evenly
// over [lo, lo+n).
func tileStarts(lo, n, T, ov int) []int {
	if n <= T {
		return []int{lo}
	}
	k := int(math.Ceil(float64(n-ov) / float64(T-ov)))
	k = max(k, 2)
	out := make([]int, k)
	for i := range out {
		out[i] = lo + int(math.Round(float64(i)*float64(n-T)/float64(k-1)))
	}
	return out
}

// Detection places the box dlib's predictor expects (calibrated against
// dlib's HOG boxes) by the face's keypoints, with the eye line's angle,
// so that MeasureAt fits the face turned upright. ok is false when the
// face is too small to fit.
func (k KeyFace) Detection() (Detection, bool) {
	w := boxPerKeys * k.span()
	if w < 4 || math.IsNaN(w) {
		return Detection{}, false
	}
	box := faceBox(midpoint(k.Points[RightEye], k.Points[LeftEye]), w, k.Roll())
	return Detection{Box: box, Score: k.Score, Roll: k.Roll(), Keys: &k}, true
}

// faceBox is a square of side w placed as dlib's HOG box sits on a face:
// its centre boxDrop·w below the middle of the eyes, along the face's own
// down, which for an eye line at roll degrees is (-sin, cos) in the image.
func faceBox(eyes [2]float64, w, roll float64) image.Rectangle {
	theta := roll * math.Pi / 180
	cx, cy := eyes[0]-boxDrop*w*math.Sin(theta), eyes[1]+boxDrop*w*math.Cos(theta)
	x0, y0 := int(math.Round(cx-w/2)), int(math.Round(cy-w/2))
	iw := int(math.Round(w))
	return image.Rect(x0, y0, x0+iw, y0+iw)
}

func midpoint(a, b [2]float64) [2]float64 { return [2]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2} }

// Profile faces. dlib's 68-point model is trained on faces it can see
// both eyes of; on a face in profile it returns a frontal-looking shape
// and a small yaw. BlazeFace's keypoints still tell: on a frontal face
// the nose tip lies between the eyes, and it leaves them as the head
// turns. With the eyes ±30.5 mm from the middle and the nose tip 34 mm in
// front of them (the pose model's head), the nose tip's offset along the
// eye line is 34·sin(yaw) against an eye distance of 61·cos(yaw), so
// tan(yaw) = 1.79 × offset / IPD. On the corpus's faces that dlib fits,
// this reads 0.9-1.9 times dlib's yaw and at most 38°; on jimin3.jpg's
// profile it reads 84° where dlib reads 15°.
const (
	noseDepthPerEye = 1.79
	// profileYaw is the keypoint yaw from which a face is taken to be in
	// profile, and profileGap how far beyond dlib's yaw it must be.
	profileYaw = 50
	profileGap = 20
)

// KeyYaw is the yaw the keypoints show, in degrees (Pose's sign: > 0
// turned towards the image's right).
func (k KeyFace) KeyYaw() float64 {
	re, le, n := k.Points[RightEye], k.Points[LeftEye], k.Points[NoseTip]
	d := k.IPD()
	if d == 0 {
		return 0
	}
	e := midpoint(re, le)
	off := ((n[0]-e[0])*(le[0]-re[0]) + (n[1]-e[1])*(le[1]-re[1])) / d
	return math.Atan(noseDepthPerEye*off/d) * 180 / math.Pi
}

// profiled puts the keypoints' yaw in f's pose when they show a face in
// profile that the landmarks read as frontal, and their eye distance as
// its IPD: the landmarks' eyes on such a face are where a frontal face's
// would be, not where the eyes are.
func profiled(f Face, k *KeyFace) Face {
	if k == nil {
		return f
	}
	if ky := k.KeyYaw(); math.Abs(ky) >= profileYaw && math.Abs(ky) > math.Abs(f.Pose.Yaw)+profileGap {
		f.Pose.Yaw, f.IPD = ky, k.IPD()
	}
	return f
}

// fitScales are the box sizes, relative to the detection's, at which the
// keypoint analyzer fits the landmarks; the points are averaged. One fit
// moves the eyelid points by a pixel or two with a box 5 % larger or
// smaller, which on a small face is the difference between open and
// closed eyes; the mean of three is steadier.
var fitScales = []float64{0.95, 1, 1.05}

// measureOne fits the landmarks at one detection: on the image as it is
// when the detection is upright (within fitUpright), otherwise on a copy
// of the box's neighbourhood turned by the detection's roll, the points
// turned back. ok is false when the box's neighbourhood is empty.
func (a *Analyzer) measureOne(img image.Image, d Detection) (Face, bool, error) {
	box := d.Box
	scales := []float64{1}
	if a.bf != nil {
		scales = fitScales
	}
	var fit *image.Gray
	var fitBox image.Rectangle
	toImage := func(x, y float64) (float64, float64) { return x, y }
	if math.Abs(d.Roll) <= fitUpright {
		// The predictor only reads the neighbourhood of the box.
		margin := box.Dx()/2 + int(math.Ceil(float64(box.Dx())*(slices.Max(scales)-1)/2))
		fit, fitBox = grayRegion(img, box.Inset(-margin)), box
	} else {
		// The turned copy (a square of 2.2 box widths) reaches at most
		// 1.1·√2 box widths from the centre, and bilinear a pixel more:
		// only that much is read as grey (an image that is not YCbCr or
		// grey is converted there).
		g := grayRegion(img, box.Inset(-box.Dx()*11/10-2))
		if g.Bounds().Dx() < 2 || g.Bounds().Dy() < 2 || box.Dx() < 2 {
			return Face{}, false, nil
		}
		c := box.Min.Add(box.Max)
		t := turnedCrop(g, float64(c.X)/2, float64(c.Y)/2, d.Roll*math.Pi/180, float64(box.Dx()))
		fit, fitBox, toImage = t.img, t.box, t.toImage
	}
	if fit.Bounds().Dx() < 2 || fit.Bounds().Dy() < 2 {
		return Face{}, false, nil
	}
	var sum [][2]float64
	for _, sc := range scales {
		b := scaledBox(fitBox, sc)
		pts, err := a.pred.Landmarks(fit, b)
		if err != nil {
			return Face{}, false, err
		}
		if sum == nil {
			sum = make([][2]float64, len(pts))
		}
		for i, p := range pts[:min(len(pts), len(sum))] {
			sum[i][0] += float64(p.X)
			sum[i][1] += float64(p.Y)
		}
	}
	pts := make([]image.Point, len(sum))
	n := float64(len(scales))
	for i, p := range sum {
		x, y := toImage(p[0]/n, p[1]/n)
		pts[i] = image.Pt(int(math.Round(x)), int(math.Round(y)))
	}
	f, err := Measure(box, d.Score, pts)
	if err != nil {
		return Face{}, false, fmt.Errorf("measure face at %v: %w", box, err)
	}
	if d.Keys != nil {
		f.Keys, f.Box = d.Keys, landmarkBox(f)
	}
	return profiled(f, d.Keys), true, nil
}

// landmarkBox is the box a keypoint face reports: a square of side Size
// (which reads like dlib's HOG box width) placed as dlib's box sits on a
// face, boxDrop of its width below the middle of the fitted eyes, along
// the face's own down. Unlike the box the landmarks were fitted in, it
// follows the landmarks, as Size does, so the rules that read the box
// (FACE_TOO_CLOSE, FACE_CLOSE_TO_BORDER) judge the face dlib measured.
func landmarkBox(f Face) image.Rectangle {
	return faceBox(midpoint(f.Eyes.Right, f.Eyes.Left), f.Size, f.Pose.Roll)
}

// scaledBox is b scaled by k about its centre.
func scaledBox(b image.Rectangle, k float64) image.Rectangle {
	if k == 1 {
		return b
	}
	w := int(math.Round(float64(b.Dx()) * k))
	h := int(math.Round(float64(b.Dy()) * k))
	c := b.Min.Add(b.Max)
	x0, y0 := (c.X-w)/2, (c.Y-h)/2
	return image.Rect(x0, y0, x0+w, y0+h)
}

// span is the eye keypoints' distance plus the mouth keypoint's distance
// from the middle of the eyes: a measure of the face's size that does not
// depend on its angle in the image.
func (k KeyFace) span() float64 {
	e, m := midpoint(k.Points[RightEye], k.Points[LeftEye]), k.Points[Mouth]
	return k.IPD() + math.Hypot(m[0]-e[0], m[1]-e[1])
}

// turned is a copy of a face's neighbourhood turned upright.
type turned struct {
	img              *image.Gray
	box              image.Rectangle // the predictor's box on img
	cx, cy, sin, cos float64
	k, h             float64 // image pixels per copy pixel; half the copy's side
}

// turnedCrop resamples (bilinear) a square of 2.2 times the box's width
// w around (cx, cy), turned by -theta so the eyes are level, the box at
// most maxFitBox pixels wide.
func turnedCrop(src *image.Gray, cx, cy, theta, w float64) turned {
	k := max(1, w/maxFitBox)
	n := int(math.Ceil(2.2 * w / k))
	t := turned{img: image.NewGray(image.Rect(0, 0, n, n)), cx: cx, cy: cy,
		sin: math.Sin(theta), cos: math.Cos(theta), k: k, h: float64(n) / 2}
	bw := int(math.Round(w / k))
	t.box = image.Rect(n/2-bw/2, n/2-bw/2, n/2-bw/2+bw, n/2-bw/2+bw)
	b := src.Bounds()
	for v := range n {
		row := t.img.Pix[v*t.img.Stride:][:n]
		for u := range n {
			x, y := t.toImage(float64(u), float64(v))
			row[u] = bilinear(src, b, x, y)
		}
	}
	return t
}

// toImage maps a pixel of the copy to the image's pixel coordinates.
func (t turned) toImage(u, v float64) (float64, float64) {
	du, dv := (u+0.5-t.h)*t.k, (v+0.5-t.h)*t.k
	return t.cx + t.cos*du - t.sin*dv - 0.5, t.cy + t.sin*du + t.cos*dv - 0.5
}

// bilinear samples src at (x, y), pixel coordinates, clamped to b.
func bilinear(src *image.Gray, b image.Rectangle, x, y float64) uint8 {
	x = min(max(x, float64(b.Min.X)), float64(b.Max.X-1))
	y = min(max(y, float64(b.Min.Y)), float64(b.Max.Y-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, b.Max.X-1), min(y0+1, b.Max.Y-1)
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 { return float64(src.Pix[(y-b.Min.Y)*src.Stride+(x-b.Min.X)]) }
	top := at(x0, y0)*(1-fx) + at(x1, y0)*fx
	bot := at(x0, y1)*(1-fx) + at(x1, y1)*fx
	return uint8(top*(1-fy) + bot*fy + 0.5)
}
