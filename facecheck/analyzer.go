package facecheck

import (
	"cmp"
	"context"
	"image"
	"math"
	"slices"
	"sync"
)

// Analyzer finds and measures faces. It shares one read-only Predictor and
// keeps a pool of detectors, so it is safe for concurrent use and no lock
// is held while dlib or ONNX Runtime works.
type Analyzer struct {
	pred *Predictor
	bf   *BlazeFace // the keypoint detector; nil: dlib's HOG
	hog  pool[*Detector]
	// surface reads what covers each face and whether it is a person's;
	// nil: not read.
	surface *SurfaceModel
	// recapture reads whether a face is live or photographed from a print
	// or a screen; nil: not read.
	recapture *RecaptureModel
	// secondLook runs dlib's HOG detector when the keypoint detector
	// finds no face (see SetSecondLook).
	secondLook bool
	// hogCache is where the first HOG detector's model is read from (and
	// kept): see SetDetectorCache.
	hogCache string
	prepared sync.Once
}

// SetDetectorCache makes the analyzer's first HOG detector Prepare dlib's
// detector model from (or into) dir, when it first needs one, rather than
// decompress it (0.3-0.7 s): a keypoint analyzer needs one only for a
// second look, so a run of photos with faces never builds it. Call it
// before the analyzer is used.
func (a *Analyzer) SetDetectorCache(dir string) { a.hogCache = dir }

// SetSurface gives the analyzer the face-surface model that
// MeasureSurface runs. Call it before the analyzer is used.
func (a *Analyzer) SetSurface(m *SurfaceModel) { a.surface = m }

// Surface is the face-surface model in use, or nil.
func (a *Analyzer) Surface() *SurfaceModel { return a.surface }

// SetRecapture gives the analyzer the re-capture model that
// MeasureRecapture runs. Call it before the analyzer is used.
func (a *Analyzer) SetRecapture(m *RecaptureModel) { a.recapture = m }

// MeasureRecapture reads how likely a face found in img is live (see
// RecaptureModel.Measure); ok is false when the analyzer has no
// re-capture model.
func (a *Analyzer) MeasureRecapture(img image.Image, f *Face) (r Recapture, ok bool, err error) {
	if a.recapture == nil {
		return Recapture{}, false, nil
	}
	r, err = a.recapture.Measure(img, f)
	return r, err == nil, err
}

// SetSecondLook makes a keypoint analyzer search an image in which
// BlazeFace finds no face once more with dlib's HOG detector (its passes,
// as Find with HOG) before it reports none: BlazeFace misses some frontal faces
// that fill the frame or sit in a black border, which HOG finds. Call it
// before the analyzer is used.
func (a *Analyzer) SetSecondLook(on bool) { a.secondLook = on }

// MeasureSurface reads the surface of a face found in img (see
// SurfaceModel.Measure); ok is false when the analyzer has no surface
// model.
func (a *Analyzer) MeasureSurface(img image.Image, f *Face, withMap bool) (c Cover, ok bool, err error) {
	if a.surface == nil {
		return Cover{}, false, nil
	}
	c, err = a.surface.Measure(img, f, withMap)
	return c, err == nil, err
}

// NewAnalyzer returns an Analyzer that finds faces with dlib's HOG
// detector and measures landmarks with pred.
func NewAnalyzer(pred *Predictor) *Analyzer { return &Analyzer{pred: pred} }

// NewKeypointAnalyzer returns an Analyzer that finds faces and their eyes
// with BlazeFace and fits pred's landmarks on each face turned upright.
func NewKeypointAnalyzer(pred *Predictor, bf *BlazeFace) *Analyzer {
	return &Analyzer{pred: pred, bf: bf}
}

// Detector names the analyzer's face detector: "blazeface" or "hog".
func (a *Analyzer) Detector() string {
	if a.bf != nil {
		return "blazeface"
	}
	return "hog"
}

// Predictor is the landmark model in use.
func (a *Analyzer) Predictor() *Predictor { return a.pred }

// FindOptions tune Find. The zero value suits Progeny's 224 px faces.
type FindOptions struct {
	// MinFace is the smallest face size, in pixels of the image searched,
	// that the first pass must find (0 = 224). The first pass runs on a
	// copy scaled so that such a face is just above dlib's 80 px window:
	// its size follows from MinFace, not from the image's.
	MinFace float64
	// MaxPassPixels bounds the copy the first pass searches (0 = 16
	// megapixels); a larger image is searched on a copy shrunk to fit.
	MaxPassPixels int
	// RetryPixels bounds the copies of the later passes (0 = 2.1
	// megapixels, a 1080p frame): on a photo without a face every pass
	// runs, so this is what a faceless photo costs beyond the first.
	RetryPixels int
	// Relative lets Find leave out faces smaller than Relative times the
	// largest it finds (0 = find every face down to MinFace). Rules that
	// judge the largest face and count the others only above a share of
	// its size need no more; with it, the first pass searches for large
	// faces first, on a copy a quarter the size, and looks for smaller
	// ones only as far down as Relative asks. With Relative 0.5, a photo
	// whose face is over about three times MinFace is then searched at
	// under a quarter of the cost; one without a face costs what one
	// search costs.
	Relative float64
	// MinScore is the keypoint detector's score a face needs (0 =
	// DefaultMinScore). The HOG detector does not read it.
	MinScore float64
}

func (o *FindOptions) minFace() float64 {
	if o != nil && o.MinFace > 0 {
		return o.MinFace
	}
	return defaultMinFace
}

func (o *FindOptions) minScore() float64 {
	if o != nil && o.MinScore > 0 && o.MinScore < 1 {
		return o.MinScore
	}
	return DefaultMinScore
}

func (o *FindOptions) relative() float64 {
	if o != nil && o.Relative > 0 {
		return min(o.Relative, 1)
	}
	return 0
}

const (
	defaultMinFace       = 224
	defaultMaxPassPixels = 16_000_000
	defaultRetryPixels   = 2_100_000
	// detectFloor is the size the first pass gives a MinFace face on its
	// copy: dlib's window is 80 px and its pyramid steps by 6/5; at 90 px
	// it found a spurious second face on the astronaut sample, and rolled
	// faces were fitted worse.
	detectFloor = 112
)

// Pass describes one detector run, for logs and benchmarks.
type Pass struct {
	// Scale is the copy's size relative to the image (<= 1).
	Scale float64
	// Upsample is how many times dlib doubles the copy (0 or 1).
	Upsample int
}

// Passes returns the detector runs Find tries on an image of w×h, in
// order. The first finds faces of MinFace; each later one, run only when
// the earlier found nothing, finds faces half as large, so a small face
// reads "too small" rather than "not found". Later passes are dropped once
// their copy would exceed RetryPixels, or when they would gain less than
// half again in reach; the last possible one doubles the image.
func (o *FindOptions) Passes(w, h int) []Pass {
	minFace, maxPix, retryPix := o.minFace(), defaultMaxPassPixels, defaultRetryPixels
	if o != nil && o.MaxPassPixels > 0 {
		maxPix = o.MaxPassPixels
	}
	if o != nil && o.RetryPixels > 0 {
		retryPix = o.RetryPixels
	}
	if w < 2 || h < 2 {
		return nil
	}
	px := float64(w) * float64(h)
	c := min(1, detectFloor/minFace)
	// A huge image still gets one pass: shrunk further, to fit maxPix.
	if px*c*c > float64(maxPix) {
		c = math.Sqrt(float64(maxPix) / px)
	}
	if float64(w)*c < 2 || float64(h)*c < 2 {
		c = 1 // too small to shrink: search it as it is
	}
	out := []Pass{{Scale: c}}
	for reach := c * 2; ; reach *= 2 {
		p := Pass{Scale: reach}
		if reach > 1.25 {
			p = Pass{Scale: 1, Upsample: 1}
		} else if reach > 1 {
			p.Scale = 1
		}
		eff := p.Scale * float64(int(1)<<p.Upsample)
		last := out[len(out)-1]
		if px*eff*eff > float64(retryPix) || eff < 1.5*last.Scale*float64(int(1)<<last.Upsample) {
			break
		}
		out = append(out, p)
		if p.Upsample > 0 {
			break
		}
	}
	return out
}

// Find detects the faces in img and measures each, largest Size first.
// Coordinates are img's. With the keypoint detector, see findKeypoints for
// the passes; with HOG, Passes. A face too small for every pass is not
// found.
func (a *Analyzer) Find(ctx context.Context, img image.Image, opts *FindOptions) ([]Face, error) {
	if a.bf != nil {
		return a.findKeypoints(ctx, img, opts)
	}
	return a.findHOG(ctx, img, opts)
}

// findHOG is Find with dlib's HOG detector: its passes (see Passes) until
// one finds a face.
func (a *Analyzer) findHOG(ctx context.Context, img image.Image, opts *FindOptions) ([]Face, error) {
	return a.searchHOG(ctx, img, opts, 0)
}

// secondLookFloor is the smallest face, as a share of MinFace, the second
// look searches for on an image large enough for one HOG pass (over
// RetryPixels at twice its scale: a phone photo): the levels of dlib's
// pyramid that only hold smaller faces are skipped. Such a face would be
// refused as too small, so the verdict stays a refusal (FACE_NOT_FOUND for
// FACE_TOO_SMALL). The second look (lookAgain) searches such an image only
// around BlazeFace's weak candidates; searchHOG with this floor is the
// whole search it stands for (its tests' reference). A smaller image,
// searched in several passes, costs little and is searched whole.
const secondLookFloor = 1.0

// searchHOG runs HOG's passes (see Passes) until one finds a face. With
// floor > 0, an image large enough for one pass (no retries) is searched
// only on the pyramid levels that can hold a face of floor times MinFace;
// a smaller image's passes are searched whole.
func (a *Analyzer) searchHOG(ctx context.Context, img image.Image, opts *FindOptions, floor float64) ([]Face, error) {
	b := img.Bounds()
	det, err := a.detector()
	if err != nil {
		return nil, err
	}
	defer a.release(det)
	var dets []Detection
	passes := opts.Passes(b.Dx(), b.Dy())
	for i, pass := range passes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case len(passes) == 1 && pass.Upsample == 0 && floor > 0:
			dets, err = detectFrom(det, img, pass.Scale, firstLevel(floor*opts.minFace()*pass.Scale))
		case i == 0 && pass.Upsample == 0 && opts != nil && opts.Relative > 0:
			dets, err = largeFirst(ctx, det, img, pass.Scale, opts.Relative)
		default:
			dets, err = detectAt(det, img, pass.Scale, pass.Upsample)
		}
		if err != nil {
			return nil, err
		}
		if len(dets) > 0 {
			break
		}
	}
	return a.MeasureAt(ctx, img, dets)
}

// splitLevels is where largeFirst splits dlib's pyramid: the levels from
// the fourth on (a copy (5/6)^4, about 0.48, the size, and under a quarter
// of the work) are searched first.
const splitLevels = 4

// boxAtLevel0 is the width of dlib's detection box for a face found on the
// first level of its pyramid, in that level's pixels.
const boxAtLevel0 = 72.3

// largeFirst does the work of one detector pass at scale c in two parts,
// large faces first: the levels of dlib's pyramid from splitLevels on,
// then the first levels, only those that can hold a face of at least rel
// times the largest found (all of them when none was). The levels are the
// pass's own, pixel for pixel; the parts' results are merged as dlib
// merges one pass's.
func largeFirst(ctx context.Context, det *Detector, img image.Image, c, rel float64) ([]Detection, error) {
	g := scaleGray(img, c)
	large, err := det.DetectLevels(g, splitLevels, 0)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Level i finds faces with dlib's box at about 72·(6/5)^i px of the
	// copy (its 80 px window less a margin), each face on the level nearest
	// its size. Start at the first level that can hold a face of the size
	// still needed, with a fifth to spare for box and Size differences.
	first := 0
	if len(large) > 0 {
		biggest := 0
		for _, d := range large {
			biggest = max(biggest, d.Box.Dx())
		}
		need := 0.8 * rel * float64(biggest)
		for first < splitLevels && 1.1*boxAtLevel0*math.Pow(1.2, float64(first)) < need {
			first++
		}
	}
	dets := large
	if first < splitLevels {
		small, err := det.DetectLevels(g, first, splitLevels-first)
		if err != nil {
			return nil, err
		}
		dets = mergeDetections(append(small, large...))
	}
	return mapped(dets, c, g.Bounds(), img.Bounds()), nil
}

// firstLevel is the first level of dlib's pyramid that can hold a face of
// need pixels of the copy searched: level i is the nearest for faces up to
// boxAtLevel0·1.2^(i+½), and a tenth is kept to spare for box and Size
// differences (as largeFirst).
func firstLevel(need float64) int {
	first := 0
	for 1.1*boxAtLevel0*math.Pow(1.2, float64(first)+0.5) < need {
		first++
	}
	return first
}

// detectFrom runs the detector on a grey copy of img at scale k, on the
// levels of its pyramid from skip on, and returns boxes in img's
// coordinates.
func detectFrom(det *Detector, img image.Image, k float64, skip int) ([]Detection, error) {
	g := scaleGray(img, k)
	dets, err := det.DetectLevels(g, skip, 0)
	if err != nil {
		return nil, err
	}
	return mapped(dets, k, g.Bounds(), img.Bounds()), nil
}

// detectAt runs the detector on a grey copy of img at scale k and returns
// boxes in img's coordinates.
func detectAt(det *Detector, img image.Image, k float64, upsample int) ([]Detection, error) {
	g := scaleGray(img, k)
	dets, err := det.Detect(g, upsample)
	if err != nil {
		return nil, err
	}
	return mapped(dets, k, g.Bounds(), img.Bounds()), nil
}

// mapped moves boxes found on a copy at scale k (bounds from) to img's
// bounds.
func mapped(dets []Detection, k float64, from, to image.Rectangle) []Detection {
	if k < 1 {
		for i := range dets {
			dets[i].Box = mapBox(dets[i].Box, from, to)
		}
	}
	return dets
}

// Overlap test of dlib's frontal face detector (its test_box_overlap):
// two boxes are one face when their intersection is over this share of
// their union, or over coveredShare of either box.
const (
	overlapIoU   = 0.330082
	coveredShare = 0.788571
)

// mergeDetections keeps, best score first, each detection that does not
// overlap one already kept: dlib's rule within a pass, applied across
// the two parts of largeFirst.
func mergeDetections(dets []Detection) []Detection {
	slices.SortStableFunc(dets, func(x, y Detection) int { return cmp.Compare(y.Score, x.Score) })
	var out []Detection
	for _, d := range dets {
		if !slices.ContainsFunc(out, func(k Detection) bool { return sameFace(d.Box, k.Box) }) {
			out = append(out, d)
		}
	}
	return out
}

func sameFace(a, b image.Rectangle) bool {
	area := func(r image.Rectangle) float64 { return float64(r.Dx()) * float64(r.Dy()) }
	in := area(a.Intersect(b))
	if in == 0 {
		return false
	}
	return in/(area(a)+area(b)-in) > overlapIoU || in/area(a) > coveredShare || in/area(b) > coveredShare
}

// MeasureAt fits landmarks and measures a face at each box (img's
// coordinates), as Find does after detecting: largest Size first. A
// detection with a roll is fitted on its neighbourhood turned upright. It
// lets a caller that found faces on a smaller copy of img measure them on
// img without detecting again.
func (a *Analyzer) MeasureAt(ctx context.Context, img image.Image, dets []Detection) ([]Face, error) {
	faces := make([]Face, 0, len(dets))
	for _, d := range dets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, ok, err := a.measureOne(img, d)
		if err != nil {
			return nil, err
		}
		if ok {
			faces = append(faces, f)
		}
	}
	SortBySize(faces)
	return faces, nil
}

// mapBox maps a box on a scaled copy (bounds from) to img's bounds to.
func mapBox(r, from, to image.Rectangle) image.Rectangle {
	sx, sy := float64(to.Dx())/float64(from.Dx()), float64(to.Dy())/float64(from.Dy())
	return image.Rect(
		int(math.Round(float64(r.Min.X-from.Min.X)*sx)), int(math.Round(float64(r.Min.Y-from.Min.Y)*sy)),
		int(math.Round(float64(r.Max.X-from.Min.X)*sx)), int(math.Round(float64(r.Max.Y-from.Min.Y)*sy)),
	).Add(to.Min)
}

// SortBySize orders faces largest Size first, keeping the detector's order
// among equals: the order Find returns and the rules judge.
func SortBySize(faces []Face) {
	slices.SortStableFunc(faces, func(x, y Face) int { return cmp.Compare(y.Size, x.Size) })
}

func (a *Analyzer) detector() (*Detector, error) {
	a.prepared.Do(func() {
		if a.hogCache != "" {
			Prepare(a.hogCache)
		}
	})
	d, _, err := a.hog.get(NewDetector)
	return d, err
}

func (a *Analyzer) release(d *Detector) { a.hog.put(d, (*Detector).Close) }
