package facecheck

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"slices"
	"sync"
)

// Analyzer finds and measures faces. It shares one read-only Predictor and
// keeps a pool of detectors, so it is safe for concurrent use and no lock
// is held while dlib works.
type Analyzer struct {
	pred *Predictor
	mu   sync.Mutex  // guards free only, never held while dlib works
	free []*Detector // idle detectors; as many as ever ran at once
}

// NewAnalyzer returns an Analyzer that measures landmarks with pred.
func NewAnalyzer(pred *Predictor) *Analyzer { return &Analyzer{pred: pred} }

// Predictor is the landmark model in use.
func (a *Analyzer) Predictor() *Predictor { return a.pred }

// FindOptions tune Find. The zero value suits Progeny's 224 px faces.
type FindOptions struct {
	// MinFace is the smallest face size, in pixels of the image searched,
	// that the first pass must find (0 = 224). The first pass runs on a
	// copy shrunk so that such a face is still above dlib's 80 px window.
	MinFace float64
	// MaxPassPixels bounds the size of the copy a pass may search
	// (0 = 16 megapixels, a 12 MP photo at full size); larger passes are skipped.
	MaxPassPixels int
}

const (
	defaultMinFace       = 224
	defaultMaxPassPixels = 16_000_000
	// detectFloor is the face size the first pass aims a MinFace face at in
	// its copy: above dlib's 80 px window with a margin for its 20 % steps.
	detectFloor = 100
	// maxUpsamplePixels: only images up to about a 1080p frame get the last,
	// doubled pass (for faces of 40-80 px); on larger ones it costs seconds.
	maxUpsamplePixels = 2_100_000
)

// Pass describes one detector run, for logs and benchmarks.
type Pass struct {
	Shrink   int // the copy is 1/Shrink of the image (1 = full size)
	Upsample int // dlib doubled the copy this many times
}

// Passes returns the detector runs Find tries on an image of w×h, in
// order: the first sized by MinFace, then each at twice the scale, down to
// faces of a quarter of MinFace. Find stops at the first that finds a face.
// A doubled (upsampled) pass is tried only on images up to about 2 MP.
func (o *FindOptions) Passes(w, h int) []Pass {
	minFace, maxPix := float64(defaultMinFace), defaultMaxPassPixels
	if o != nil && o.MinFace > 0 {
		minFace = o.MinFace
	}
	if o != nil && o.MaxPassPixels > 0 {
		maxPix = o.MaxPassPixels
	}
	k := max(1, int(minFace/detectFloor))
	// A huge image still gets one pass: shrunk further, to fit maxPix.
	for (w/k)*(h/k) > maxPix {
		k++
	}
	var out []Pass
	for range 3 {
		p := Pass{Shrink: k, Upsample: 0}
		if k == 0 {
			p = Pass{Shrink: 1, Upsample: 1}
		}
		pix := (w / p.Shrink) * (h / p.Shrink) << (2 * p.Upsample)
		if pix > maxPix || w/p.Shrink < 2 || h/p.Shrink < 2 || (p.Upsample > 0 && w*h > maxUpsamplePixels) {
			break
		}
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
		if k == 0 {
			break
		}
		k /= 2
	}
	return out
}

// Find detects the faces in img and measures each at full resolution,
// largest Size first. Coordinates are img's. A face too small for every
// pass is not found.
func (a *Analyzer) Find(ctx context.Context, img image.Image, opts *FindOptions) ([]Face, error) {
	b := img.Bounds()
	det, err := a.detector()
	if err != nil {
		return nil, err
	}
	defer a.release(det)
	var dets []Detection
	var pass Pass
	for _, pass = range opts.Passes(b.Dx(), b.Dy()) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g := shrinkGray(img, pass.Shrink)
		if dets, err = det.Detect(g, pass.Upsample); err != nil {
			return nil, err
		}
		if len(dets) > 0 {
			break
		}
	}
	faces := make([]Face, 0, len(dets))
	for _, d := range dets {
		box := image.Rectangle{Min: d.Box.Min.Mul(pass.Shrink), Max: d.Box.Max.Mul(pass.Shrink)}.Add(b.Min)
		if pass.Shrink == 1 {
			box = d.Box // already in img's coordinates
		}
		// The predictor only reads the neighbourhood of the box.
		near := grayRegion(img, box.Inset(-box.Dx()/2))
		if near.Bounds().Dx() < 2 || near.Bounds().Dy() < 2 {
			continue
		}
		pts, err := a.pred.Landmarks(near, box)
		if err != nil {
			return nil, err
		}
		f, err := Measure(box, d.Score, pts)
		if err != nil {
			return nil, fmt.Errorf("measure face at %v: %w", box, err)
		}
		faces = append(faces, f)
	}
	SortBySize(faces)
	return faces, nil
}

// SortBySize orders faces largest Size first, keeping the detector's order
// among equals: the order Find returns and the rules judge.
func SortBySize(faces []Face) {
	slices.SortStableFunc(faces, func(x, y Face) int { return cmp.Compare(y.Size, x.Size) })
}

func (a *Analyzer) detector() (*Detector, error) {
	a.mu.Lock()
	if n := len(a.free); n > 0 {
		d := a.free[n-1]
		a.free = a.free[:n-1]
		a.mu.Unlock()
		return d, nil
	}
	a.mu.Unlock()
	return NewDetector()
}

func (a *Analyzer) release(d *Detector) {
	a.mu.Lock()
	a.free = append(a.free, d)
	a.mu.Unlock()
}
