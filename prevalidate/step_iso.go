package prevalidate

import (
	"context"

	"github.com/facegate/facegate/quality/iso"
)

// stepISO computes the ISO/IEC 29794-5 components of each face with 68
// landmarks, on the decoded image, when asked for or judged.
func stepISO(_ context.Context, s *state) (bool, error) {
	if !(s.opts.ISO || s.lim.iso) || len(s.found) == 0 {
		return false, nil
	}
	faces := make([]iso.Face, len(s.found))
	for i, f := range s.found {
		faces[i] = iso.Face{Box: f.Box, Landmarks: f.Landmarks, Yaw: f.Pose.Yaw, Pitch: f.Pose.Pitch, Roll: f.Pose.Roll}
	}
	if q := s.m.Quality; q != nil && q.Region == "face" {
		faces[0].Sharpness = q.Sharpness // measured on the largest face
	}
	o := iso.Options{PixelScale: 1 / s.scale()}
	if t := s.lim.blur; t.ok {
		o.BlurThreshold = t.v
	}
	s.m.ISO = make([]iso.Components, len(faces))
	for i := range faces {
		if c, err := iso.Measure(s.img, faces, i, o); err == nil {
			s.m.ISO[i] = c
		}
	}
	return false, nil
}

// judgesISO reports whether a rule of p judges an ISO component.
func (p *Profile) judgesISO() bool { return false }
