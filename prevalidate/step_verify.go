package prevalidate

import (
	"context"
	"time"
)

// stepVerify checks the output bytes as they would be submitted; Fix's
// verdict (Report.OK) is theirs.
func stepVerify(ctx context.Context, s *state) (bool, error) {
	done, err := s.verifyOutput(ctx, s.rep.Output, s.out)
	s.rep.OK = !done && noErrors(s.rep.Output.Issues)
	return done, err
}

// verifyOutput judges output bytes (verify) into out.
func (s *state) verifyOutput(ctx context.Context, out *Output, data []byte) (bool, error) {
	t0 := time.Now()
	issues, m, err := s.verify(ctx, data)
	if err != nil {
		return true, err
	}
	out.Issues, out.Faces, out.Measures = issues, reportFaces(m.Faces, m.ISO, s.opts.Landmarks), m.Quality
	if len(m.NotFaces) > 0 {
		out.NotFaces = reportFaces(m.NotFaces, nil, s.opts.Landmarks)
	}
	s.opts.Logger.Debug("verified", "issues", len(issues), "ms", ms(time.Since(t0)))
	return false, nil
}

// verify checks output bytes exactly as Check would: header, decode, faces.
// When the input has no face, the output is not searched again: it keeps
// FACE_NOT_FOUND, so Fix cannot call ok what it could not measure.
func (s *state) verify(ctx context.Context, out []byte) ([]Issue, *Measurements, error) {
	v := newState(s.opts, false)
	defer v.releasePix()
	v.data = out
	noFace := s.m.FacesMeasured && len(s.m.Faces) == 0
	v.noFaceSearch = noFace
	if _, err := v.runSteps(ctx, checkSteps); err != nil {
		return nil, nil, err
	}
	if noFace {
		v.m.FacesMeasured, v.m.FaceError = true, s.m.FaceError
	}
	// The output carries no metadata; what the input declared about its
	// making still holds for its pixels.
	v.m.Provenance = s.m.Provenance
	// Re-encoding cannot restore what the input's compression took: the
	// output is judged at the lower of the two JPEG qualities.
	if in, out := s.m.Quality, v.m.Quality; in != nil && out != nil && in.JPEGQuality > 0 && (out.JPEGQuality < 1 || in.JPEGQuality < out.JPEGQuality) {
		q := *out
		q.JPEGQuality = in.JPEGQuality
		v.m.Quality = &q
	}
	return s.opts.Profile.Judge(&v.m), &v.m, nil
}
