package prevalidate

import "context"

// stepJudge applies the profile's rules to the input's measurements and
// fills the report from them, before Fix changes the picture: the last
// step of Check, run also when an earlier one ended the run. For Check,
// OK is the input's verdict; for Fix, the output's (stepVerify).
func stepJudge(_ context.Context, s *state) (bool, error) {
	m := &s.m
	s.rep.Format, s.rep.Width, s.rep.Height, s.rep.Bytes, s.rep.Orientation = m.Format, m.Width, m.Height, m.Bytes, m.Orientation
	s.rep.Issues = s.opts.Profile.Judge(m)
	s.rep.Faces = reportFaces(m.Faces, m.ISO, s.opts.Landmarks)
	if len(m.NotFaces) > 0 {
		s.rep.NotFaces = reportFaces(m.NotFaces, nil, s.opts.Landmarks)
	}
	s.rep.Quality = m.Quality
	s.rep.Provenance = m.Provenance
	s.rep.OK = !s.fix && noErrors(s.rep.Issues)
	return false, nil
}
