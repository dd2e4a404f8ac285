package prevalidate

import "context"

// stepJudge applies the profile's rules to the input's measurements and
// fills the report from them, before Fix changes the picture.
func stepJudge(_ context.Context, s *state) (bool, error) {
	s.judge()
	return false, nil
}

func (s *state) judge() {
	if s.judged {
		return
	}
	s.judged = true
	m := &s.m
	s.rep.Format, s.rep.Width, s.rep.Height, s.rep.Bytes, s.rep.Orientation = m.Format, m.Width, m.Height, m.Bytes, m.Orientation
	s.rep.Issues = s.opts.Profile.Judge(m)
	s.rep.Faces = reportFaces(m.Faces, m.ISO, s.opts.Landmarks)
	if len(m.NotFaces) > 0 {
		s.rep.NotFaces = reportFaces(m.NotFaces, nil, s.opts.Landmarks)
	}
	s.rep.Quality = m.Quality
}
