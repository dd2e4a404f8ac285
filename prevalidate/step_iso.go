package prevalidate

import (
	"context"
	"fmt"
	"slices"

	"github.com/facegate/facegate/facecheck"
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
		if c := f.Cover; c != nil {
			faces[i].Occluded = &iso.Occluded{EyeZones: c.EyeZones, Mouth: c.Lips, Face: c.Covered[facecheck.RegionFace]}
		}
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
func (p *Profile) judgesISO() bool {
	return slices.ContainsFunc(p.Rules, func(r Rule) bool { return r.Code == ISOQualityTooLow })
}

// ISORules are the rules a profile file may add to require an ISO/IEC
// 29794-5 component of the largest face at a minimum score: code
// ISO_QUALITY_TOO_LOW, key the component's OFIQ name, threshold the least
// score (0..100, default 50). No built-in profile has them; with one, the
// components are computed for every image checked. A component that could
// not be computed (no 68 landmarks) fails no rule.
//
//	{"code": "ISO_QUALITY_TOO_LOW", "key": "IlluminationUniformity", "threshold": 40}
func ISORules() []Rule {
	var out []Rule
	for _, name := range iso.Computed() {
		out = append(out, Rule{Code: ISOQualityTooLow, Key: name, Severity: SeverityError, Threshold: 50,
			Message: "ISO/IEC 29794-5 " + name + " is too low", NeedsPixels: true, NeedsFace: true,
			Measure: isoMeasure(name),
			Detail: func(_ *Values, x, t float64) string {
				return fmt.Sprintf("%s score %.4g, at least %g needed", name, x, t)
			}})
	}
	return out
}
