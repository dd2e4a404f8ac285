package prevalidate

import (
	"context"
	"time"

	"github.com/facegate/facegate/facecheck"
)

// stepRefine decodes larger and measures the faces again when the first
// decode left them too few pixels: for the landmarks (a small face, or a
// measure near a threshold), or for Fix's plan (a face that must keep
// more pixels than the recommended height leaves it), at the larger of
// the two, so there is one more decode at most. The detector's copy keeps
// its size, which follows from the minimum face, not the image; a finder
// that can measure at known boxes is not asked to detect again.
func stepRefine(ctx context.Context, s *state) (bool, error) {
	if !s.m.FacesMeasured || s.m.FaceError != "" || len(s.found) == 0 {
		return false, nil
	}
	num := s.landmarkNum(s.found)
	if s.fix {
		num = max(num, s.fixNum(s.found))
	}
	if num <= s.num {
		return false, nil
	}
	a, err := s.finder()
	if err != nil {
		return true, err
	}
	t0 := time.Now()
	before := s.scale()
	if err := s.decodeAt(num); err != nil {
		// The first decode's measurements stand.
		s.opts.Logger.Warn("decoding again at a larger scale failed; keeping the first measurements", "num", num, "err", err)
		return false, nil
	}
	var faces []facecheck.Face
	if m, ok := a.(boxMeasurer); ok {
		faces, err = m.MeasureAt(ctx, s.img, rescaled(s.found, s.scale()/before, m.Detector() != DetectorHOG))
	} else {
		faces, err = a.Find(ctx, s.img, s.findOptions(s.scale()))
	}
	s.opts.Logger.Debug("refine", "num", num, "found", len(faces), "ms", ms(time.Since(t0)))
	return s.setFaces(ctx, faces, err)
}
