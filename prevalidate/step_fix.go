package prevalidate

import (
	"context"
	"image"
	"math"
	"time"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/resize"
)

// faceMargin is how far above the face size thresholds Fix aims, so that
// the output, measured again after resampling and JPEG, still passes.
const faceMargin = 0.04

// stepFix chooses the output size from the profile's thresholds and the
// face, scales once and encodes a metadata-free JPEG that fits the byte
// limit. A photo whose face is on its side or upside down is turned back
// first; the plan and the output are then those of the turned photo.
func stepFix(ctx context.Context, s *state) (bool, error) {
	s.turnBy(-s.m.Turn)
	s.plan = s.planFix()
	var err error
	s.rep.Output, s.out, err = s.encode(ctx, s.plan)
	return err != nil, err
}

// fixPlan is what to scale to what.
type fixPlan struct {
	rect          image.Rectangle // the part of the upright image to keep
	w, h          int             // output size
	scale         float64         // output pixels per input pixel
	minW, minH    int             // EncodeFit must not shrink below these
	cropped, face bool
}

// bounds is the upright input's rectangle, in whose pixels plans are made.
func (s *state) bounds() image.Rectangle { return image.Rect(0, 0, s.m.Width, s.m.Height) }

func (s *state) fullSize() fixPlan {
	b := s.bounds()
	w, h := resize.Plan(b.Dx(), b.Dy(), resize.Limits{MaxSide: s.lim.size.MaxSide})
	return fixPlan{rect: b, w: w, h: h, scale: float64(h) / float64(b.Dy()), minW: w, minH: h, face: true}
}

// planFix scales the image to the recommended height, unless that would
// make a face that passes on the input too small: then it keeps the scale
// the face needs (up to the size limit), or, with Options.Crop, cuts a
// window of the recommended size around the face at that scale.
func (s *state) planFix() fixPlan {
	b := s.bounds()
	W, H := b.Dx(), b.Dy()
	w, h := resize.Plan(W, H, s.lim.size)
	p := fixPlan{rect: b, w: w, h: h, scale: float64(h) / float64(H)}
	need, ok := s.faceScale()
	if !ok || p.scale >= need {
		return p
	}
	if s.opts.Crop {
		if r, ok := cropAround(s.m.face(), b, float64(w)/need, float64(h)/need); ok {
			return fixPlan{rect: r, w: w, h: h, scale: need, minW: w, minH: h, cropped: true, face: true}
		}
	}
	maxSide := float64(s.lim.size.MaxSide)
	if maxSide > 0 {
		need = min(need, maxSide/float64(max(W, H)))
	}
	w, h = int(math.Round(float64(W)*need)), int(math.Round(float64(H)*need))
	return fixPlan{rect: b, w: w, h: h, scale: need, minW: w, minH: h, face: true}
}

// faceScale is the smallest scale at which the largest face keeps its size
// and eye distance above the thresholds (with faceMargin), at most 1. ok is
// false when there is no face, or when it fails those rules already.
func (s *state) faceScale() (float64, bool) {
	f := s.m.face()
	if f == nil || f.Size <= 0 || f.IPD <= 0 {
		return 0, false
	}
	minSize, minIPD := s.lim.faceSize.v, s.lim.eyeDist.v
	if !s.lim.faceSize.ok && !s.lim.eyeDist.ok {
		return 0, false
	}
	if f.Size < minSize || f.IPD < minIPD {
		return 0, false
	}
	need := max(minSize*(1+faceMargin)/f.Size, minIPD*(1+faceMargin)/f.IPD)
	return min(need, 1), true
}

// cropAround places a cw×ch window (input pixels) on the face, moved
// inside the image. It fails when the face with a margin of half its width
// does not fit.
func cropAround(f *facecheck.Face, b image.Rectangle, cw, ch float64) (image.Rectangle, bool) {
	w, h := int(math.Floor(cw)), int(math.Floor(ch))
	ext := f.Extent()
	keep := ext.Inset(-f.Box.Dx() / 2).Intersect(b)
	if keep.Dx() > w || keep.Dy() > h {
		return image.Rectangle{}, false
	}
	c := ext.Min.Add(ext.Max).Div(2)
	x := min(max(c.X-w/2, b.Min.X), b.Max.X-w)
	y := min(max(c.Y-h/2, b.Min.Y), b.Max.Y-h)
	r := image.Rect(x, y, x+w, y+h)
	// Keep the margin inside the window even when the face is off centre.
	if !keep.In(r) {
		return image.Rectangle{}, false
	}
	return r, true
}

// encode scales and encodes one plan. The Output's issues and faces are
// verifyOutput's.
func (s *state) encode(ctx context.Context, p fixPlan) (*Output, []byte, error) {
	t0 := time.Now()
	s.ensureScale(p.scale)
	src := s.img
	if r := s.toWork(p.rect); r != s.img.Bounds() {
		src = subImage(s.img, r)
	}
	t1 := time.Now()
	// The quality floor is the profile's: never under what its own
	// IMAGE_IS_TOO_COMPRESSED rule would refuse.
	floor := s.lim.minQuality
	enc, err := codec.EncodeFit(ctx, src, p.w, p.h, codec.FitOptions{
		MaxBytes: s.lim.maxBytes, MinWidth: p.minW, MinHeight: p.minH,
		MinQuality: floor, StartQuality: max(92, floor),
	})
	if err != nil {
		return nil, nil, err
	}
	s.opts.Logger.Debug("fixed", "width", enc.Width, "height", enc.Height, "bytes", len(enc.Data),
		"quality", enc.Quality, "encodes", enc.Attempts, "face_scale", p.face, "cropped", p.cropped,
		"decode_again_ms", ms(t1.Sub(t0)), "scale_encode_ms", ms(time.Since(t1)))
	return &Output{Width: enc.Width, Height: enc.Height, Bytes: int64(len(enc.Data)), Quality: enc.Quality,
		Cropped: p.cropped, Issues: []Issue{}, Faces: []Face{}}, enc.Data, nil
}

// ensureScale decodes the input again, larger, when the plan needs more
// pixels than the decode kept: only keep's full size, as refine decoded
// at the scale the plan needs.
func (s *state) ensureScale(need float64) {
	if s.scale() >= need || !s.dec.scalable || s.num >= 8 {
		return
	}
	num := codec.NumAtLeast(need)
	if err := s.decodeAt(num); err != nil {
		s.opts.Logger.Warn("decoding again at a larger scale failed; scaling what was decoded", "scale", num, "err", err)
	}
}

// toWork maps a rectangle of the input's pixels to the decoded image's.
func (s *state) toWork(r image.Rectangle) image.Rectangle {
	if s.num == 8 {
		return r
	}
	k := s.scale()
	w := image.Rect(int(math.Floor(float64(r.Min.X)*k)), int(math.Floor(float64(r.Min.Y)*k)),
		int(math.Ceil(float64(r.Max.X)*k)), int(math.Ceil(float64(r.Max.Y)*k)))
	return w.Intersect(s.img.Bounds())
}

// subImage returns the part r of img, sharing pixels when img can.
func subImage(img image.Image, r image.Rectangle) image.Image {
	if si, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return si.SubImage(r)
	}
	out := image.NewNRGBA(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}
