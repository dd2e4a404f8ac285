package prevalidate

import (
	"context"
	"image"
	"time"

	"github.com/facegate/facegate/facecheck"
)

// Recapture is the re-capture model's reading of the largest face, for
// the report: how likely the photo is of a live face rather than of a
// print or a screen (facecheck.Recapture).
type Recapture struct {
	// Live is the mean of the two networks' live-face probabilities, 0..1.
	Live float64 `json:"live"`
	// Nets are each network's (the box grown 2.7 and 4 times).
	Nets [2]float64 `json:"nets"`
	// Box is the face box the crops grow from, in the input's pixels: x,
	// y, w, h.
	Box [4]int `json:"box"`
}

// recaptureReader is a FaceFinder that also reads whether a face is live
// (a *facecheck.Analyzer with its re-capture model).
type recaptureReader interface {
	MeasureRecapture(img image.Image, f *facecheck.Face) (facecheck.Recapture, bool, error)
}

// recapturedLive is RECAPTURED's threshold in the progeny profile:
// benchmarks/recapture.sh measures it.
const recapturedLive = 0.2

// ReadsRecapture reports whether a rule of the profile reads the
// re-capture model (RECAPTURED): without one, it need not be loaded.
func (p *Profile) ReadsRecapture() bool {
	_, ok := p.Rule(RuleID{Code: Recaptured})
	return ok
}

// stepRecapture reads the largest face with the re-capture model, when a
// rule reads it (RECAPTURED, advisory).
func stepRecapture(ctx context.Context, s *state) (bool, error) {
	if !s.lim.recapture || !s.m.FacesMeasured || len(s.found) == 0 || s.m.Quality == nil {
		return false, nil
	}
	a, err := s.finder()
	if err != nil {
		return true, err
	}
	rr, ok := a.(recaptureReader)
	if !ok {
		return false, nil
	}
	t0 := time.Now()
	r, ok, err := rr.MeasureRecapture(s.img, &s.found[0])
	if err != nil {
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		s.opts.Logger.Warn("re-capture not read", "err", err)
		return false, nil
	}
	if !ok {
		return false, nil
	}
	// The box in the input's pixels, as the faces are reported.
	k := 1 / s.scale()
	b := r.Box
	s.m.Quality.Recapture = &Recapture{Live: round3(r.Live), Nets: [2]float64{round3(r.Nets[0]), round3(r.Nets[1])},
		Box: [4]int{int(float64(b.Min.X)*k + 0.5), int(float64(b.Min.Y)*k + 0.5), int(float64(b.Dx())*k + 0.5), int(float64(b.Dy())*k + 0.5)}}
	s.opts.Logger.Debug("recapture", "live", r.Live, "nets", r.Nets, "ms", ms(time.Since(t0)))
	return false, nil
}
