package prevalidate

import (
	"context"
	"image"
	"math"
	"slices"
	"time"

	"github.com/facegate/facegate/facecheck"
)

// surfaceReader is a FaceFinder that also reads what covers a face and
// whether it is a person's (a *facecheck.Analyzer with its face-surface
// model).
type surfaceReader interface {
	MeasureSurface(img image.Image, f *facecheck.Face, withMap bool) (facecheck.Cover, bool, error)
}

// stepSurface reads each face's surface with the face-surface model, when
// a rule reads it: the share of each region covered, the eyes' glare, and
// the score that the face is a person's. Detections under FACE_NOT_FOUND's
// human-face threshold are set aside (Measurements.NotFaces): an animal,
// a drawing or a pattern is neither judged nor counted as a face.
func stepSurface(ctx context.Context, s *state) (bool, error) {
	if !(s.lim.surface || s.opts.CoverMaps) || !s.m.FacesMeasured || len(s.found) == 0 {
		return false, nil
	}
	a, err := s.finder()
	if err != nil {
		return true, err
	}
	sr, ok := a.(surfaceReader)
	if !ok {
		return false, nil
	}
	t0 := time.Now()
	turnedBack := false
	for i := range s.found {
		f := &s.found[i]
		if len(f.Landmarks) != 68 {
			continue
		}
		c, ok, err := sr.MeasureSurface(s.img, f, s.opts.CoverMaps)
		if err != nil {
			if ctx.Err() != nil {
				return true, ctx.Err()
			}
			s.opts.Logger.Warn("face surface not read", "err", err)
			continue
		}
		if ok {
			f.Cover = &c
		}
		if g, ok := s.coveredUpright(ctx, a, sr, f); ok {
			s.opts.Logger.Debug("surface: a face read upside down is upright", "roll", f.Pose.Roll, "upright_roll", g.Pose.Roll, "lower_face", g.Cover.Covered[facecheck.RegionLower], "human", g.Cover.Human, "presence", g.Cover.Presence, "was_human", c.Human, "was_presence", c.Presence)
			s.found[i] = g
			turnedBack = true
		}
	}
	if turnedBack {
		facecheck.SortBySize(s.found)
		if _, err := s.setFaces(ctx, s.found, nil); err != nil {
			return true, err
		}
	}
	var not []facecheck.Face
	if t := s.lim.human; t.ok {
		kept := slices.DeleteFunc(slices.Clone(s.found), func(f facecheck.Face) bool {
			if f.Cover != nil && f.Cover.Human < t.v {
				not = append(not, f.Scaled(1/s.scale()))
				return true
			}
			return false
		})
		if len(not) > 0 {
			if _, err := s.setFaces(ctx, kept, nil); err != nil {
				return true, err
			}
		}
	}
	if len(not) == 0 {
		for i := range s.found {
			s.m.Faces[i].Cover = s.found[i].Scaled(1 / s.scale()).Cover
		}
	}
	s.m.NotFaces = not
	s.opts.Logger.Debug("surface", "faces", len(s.found), "not_faces", len(not), "ms", ms(time.Since(t0)))
	return false, nil
}

// coveredUpright reads a face found upside down once more the other way
// up. A mask or a scarf hides the mouth and nose, and a heavy blur hides
// the features, and the detector and the landmarks can then take the eyes
// and brows for a mouth and read the face turned by half a turn (and Fix
// would turn the photo upside down). The landmarks are fitted again with
// the face turned by 180 degrees more; that reading is the face's when, on
// a person's face, the surface model reads its lower face covered (over
// FACE_OCCLUDED's threshold), or when the face as found does not read as a
// person's and the turned one does. A face really upside down reads as a
// person's, clear, as found, and stays as it was.
// The face-presence scores that tell a face read upside down from one
// upright (coveredUpright): faces really upside down read at 0.73-1 as
// found and mostly under 0.3 turned back.
const (
	maxPresenceTurned  = 0.25
	minPresenceUpright = 0.5
)

func (s *state) coveredUpright(ctx context.Context, a FaceFinder, sr surfaceReader, f *facecheck.Face) (facecheck.Face, bool) {
	bm, ok := a.(boxMeasurer)
	t := s.lim.mouthNose
	if !ok || !t.ok || len(f.Landmarks) != 68 || math.Abs(f.Pose.Roll) <= 135 {
		return facecheck.Face{}, false
	}
	// The eyes are where they are either way up; the rest of the face is
	// on their other side: the landmarks' centre mirrored through the
	// eyes' midpoint.
	var cx, cy, ex, ey float64
	for i, p := range f.Landmarks {
		cx += float64(p.X)
		cy += float64(p.Y)
		if i >= 36 && i < 48 {
			ex += float64(p.X)
			ey += float64(p.Y)
		}
	}
	cx, cy = 2*ex/12-cx/68, 2*ey/12-cy/68
	h := f.Box.Dx() / 2
	box := image.Rect(int(cx)-h, int(cy)-h, int(cx)+h, int(cy)+h)
	roll := math.Remainder(f.Pose.Roll+180, 360)
	faces, err := bm.MeasureAt(ctx, s.img, []facecheck.Detection{{Box: box, Score: f.Score, Roll: roll}})
	if err != nil || len(faces) != 1 || len(faces[0].Landmarks) != 68 || math.Abs(math.Remainder(faces[0].Pose.Roll-roll, 360)) > 45 {
		s.opts.Logger.Debug("surface: no upright reading", "faces", len(faces), "err", err, "want_roll", roll)
		return facecheck.Face{}, false
	}
	g := faces[0]
	c, ok, err := sr.MeasureSurface(s.img, &g, s.opts.CoverMaps)
	human := !s.lim.human.ok || c.Human >= s.lim.human.v
	wrongWayUp := s.lim.human.ok && f.Cover != nil && f.Cover.Human < s.lim.human.v && human
	// MediaPipe's face-presence score is high on a face read the right way
	// up and low on one read upside down (a clear face, not always a
	// covered one).
	presentUpright := f.Cover != nil && f.Cover.Presence < maxPresenceTurned && c.Presence > minPresenceUpright
	if err != nil || !ok || !human || (c.Covered[facecheck.RegionLower] <= t.v && !wrongWayUp && !presentUpright) {
		s.opts.Logger.Debug("surface: the upright reading is not covered", "roll", g.Pose.Roll, "lower_face", c.LowerFace(), "human", c.Human, "presence", c.Presence)
		return facecheck.Face{}, false
	}
	g.Cover = &c
	return g, true
}

// ReadsSurface reports whether a rule of p reads the face-surface model
// (FACE_OCCLUDED, EYES_NOT_VISIBLE, EYE_GLARE, FACE_NOT_FOUND's human-face
// score): an analyzer for a profile without them needs no such model
// (AnalyzerOptions.NoSurface), and with dlib's HOG detector no ONNX
// Runtime either.
func (p *Profile) ReadsSurface() bool {
	return slices.ContainsFunc(p.Rules, func(r Rule) bool {
		return r.Code == FaceOccluded || r.Code == EyesNotVisible || r.Code == EyeGlare || (r.Code == FaceNotFound && r.Key == KeyHuman)
	})
}
