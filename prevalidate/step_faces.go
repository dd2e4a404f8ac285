package prevalidate

import (
	"context"
	"fmt"
	"github.com/facegate/facegate/quality/iso"
	"image"
	"math"
	"time"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/facecheck"
	"github.com/facegate/facegate/quality"
)

// stepFaces finds and measures the faces on the upright image, when the
// profile has face rules. The first detection pass is sized by the face
// size rule, so a face of that size is found on a small copy. Faces the
// plan found on a DC preview are measured, not searched for again; a
// preview that showed none is searched again, second look and all.
func stepFaces(ctx context.Context, s *state) (bool, error) {
	if !s.lim.hasFaces || s.noFaceSearch {
		return false, nil
	}
	a, err := s.finder()
	if err != nil {
		return true, err // the caller's setup, not the image
	}
	opts := s.findOptions(s.scale())
	t0, f0 := time.Now(), facecheck.Forwards()
	var faces []facecheck.Face
	// A preview without a face is searched again on the decode, as Check
	// searches it: with the second look, which the preview does not run.
	if km, ok := a.(keyMeasurer); ok && s.previewed && len(s.preKeys) > 0 {
		keys := make([]facecheck.KeyFace, len(s.preKeys))
		for i, k := range s.preKeys {
			keys[i] = k.Scaled(s.scale())
		}
		faces, err = km.MeasureKeys(ctx, s.img, keys, opts)
	} else {
		faces, err = a.Find(ctx, s.img, opts)
	}
	s.opts.Logger.Debug("faces", "found", len(faces), "find_ms", ms(time.Since(t0)), "forwards", facecheck.Forwards()-f0)
	return s.setFaces(ctx, faces, err)
}

// setFaces records faces found on the decoded image (s.found) and, in the
// input's pixels, which the rules judge, with how far the photo is turned.
// A failed search is the image's FACE_NOT_FOUND, unless ctx ended.
func (s *state) setFaces(ctx context.Context, faces []facecheck.Face, err error) (bool, error) {
	if err != nil {
		if ctx.Err() != nil {
			return true, err
		}
		s.m.FaceError = "face detection failed: " + err.Error()
	}
	s.found = faces
	in := make([]facecheck.Face, len(faces))
	for i, f := range faces {
		in[i] = f.Scaled(1 / s.scale())
	}
	s.m.Faces, s.m.FacesMeasured = in, true
	s.m.Turn = 0
	if t := s.lim.turned; t.ok && len(in) > 0 {
		if r := in[0].Pose.Roll; math.Abs(r) > t.v {
			s.m.Turn = int(math.Round(r/90)) & 3
		}
	}
	return false, nil
}

// finder is the face finder of the options (a LazyAnalyzer's, loaded the
// first time an image needs it), or the default one for their detector,
// loaded once per process. An error is the setup's, not the image's.
func (s *state) finder() (FaceFinder, error) {
	switch f := s.opts.Faces.(type) {
	case nil:
		a, err := defaultAnalyzer(s.opts.Detector)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrLoad, err)
		}
		return a, nil
	case *LazyAnalyzer:
		return f.Load()
	default:
		return f, nil
	}
}

// findOptions are the finder's options for an image at scale k of the
// input: the profile's minimum face, and the share of the largest below
// which no rule counts a face.
func (s *state) findOptions(k float64) *facecheck.FindOptions {
	opts := &facecheck.FindOptions{}
	if t := s.lim.faceSize; t.ok {
		opts.MinFace = t.v * k
	}
	if !s.opts.AllFaces {
		// The rules judge the largest face and count the others only from
		// TOO_MANY_FACES' share of its size (without that rule, none).
		opts.Relative = 1
		if t := s.lim.faceShare; t.ok && t.v > 0 {
			opts.Relative = min(t.v, 1)
		}
	}
	return opts
}

// keyMeasurer is a FaceFinder that finds keypoints and measures faces at
// them separately (a *facecheck.Analyzer with the keypoint detector).
type keyMeasurer interface {
	DetectKeypoints(ctx context.Context, img image.Image, opts *facecheck.FindOptions) ([]facecheck.KeyFace, error)
	MeasureKeys(ctx context.Context, img image.Image, keys []facecheck.KeyFace, opts *facecheck.FindOptions) ([]facecheck.Face, error)
	Detector() string
}

// boxMeasurer is a FaceFinder that can also measure faces at given boxes
// (*facecheck.Analyzer can), and names its detector.
type boxMeasurer interface {
	MeasureAt(ctx context.Context, img image.Image, dets []facecheck.Detection) ([]facecheck.Face, error)
	Detector() string
}

// rescaled turns faces into detections on an image k times as large:
// the keypoint detector's faces placed and turned by their keypoints
// when turn is set, the HOG path's at their boxes as it found them.
func rescaled(faces []facecheck.Face, k float64, turn bool) []facecheck.Detection {
	dets := make([]facecheck.Detection, len(faces))
	for i, f := range faces {
		g := f.Scaled(k)
		dets[i] = facecheck.Detection{Box: g.Box, Score: f.Score}
		if turn && g.Keys != nil {
			if d, ok := g.Keys.Detection(); ok {
				dets[i] = d
			}
		}
	}
	return dets
}

// Landmark precision. The rules judge the landmarks' angles and eye
// ratios, which a fit on few pixels measures less precisely. Eight
// corpus portraits shrunk so their face has 100-200 px, against the same
// at full size: from 120 px on, size within 2 %, yaw and pitch within
// 2.4°, eye aspect ratios within 0.05, and no closer at 160 or 200 px
// than at 120 (the fit's own jitter); at 100 px one ratio is 0.067 off.
// So a face is measured again on a larger decode, at landmarkFloor px,
// when it has fewer than landmarkMin, or fewer than landmarkFloor and a
// measure within that jitter of one of the profile's thresholds (where
// the jitter could flip a verdict).
const (
	landmarkMin   = 120
	landmarkFloor = 160
)

// landmarkNum is the decode scale (eighths) at which the largest face has
// landmarkFloor pixels, when it needs them, or the current one.
func (s *state) landmarkNum(faces []facecheck.Face) int {
	if len(faces) == 0 || !s.dec.scalable || s.num >= 8 {
		return s.num
	}
	return landmarkNumFor(faces[0].Size/s.scale(), s.num, s.borderline(faces[0]))
}

// landmarkNumFor is the decode scale (eighths) a face of size px in the
// input needs, decoded at num: num when it has landmarkFloor pixels
// there, or landmarkMin and no borderline measure; else the scale that
// gives it landmarkFloor.
func landmarkNumFor(size float64, num int, borderline bool) int {
	at := size * float64(num) / 8
	if at >= landmarkFloor || (at >= landmarkMin && !borderline) {
		return num
	}
	return codec.NumAtLeast(landmarkFloor / size)
}

// borderline reports whether a face (measured on the decoded image) has a
// measure within the landmark fit's jitter of a threshold: 3° of an angle
// limit, 0.05 of the closed-eye ratio, 3 % of a size limit.
func (s *state) borderline(f facecheck.Face) bool {
	l := &s.lim
	roll := math.Remainder(f.Pose.Roll, 90) // the tilt left after a quarter turn
	if l.yawPitch.near(math.Abs(f.Pose.Yaw), 3) || l.yawPitch.near(math.Abs(f.Pose.Pitch), 3) || l.roll.near(math.Abs(roll), 3) {
		return true
	}
	if r, le, ok := quality.EyeAspectRatio(f.Landmarks); ok && (l.eyesClosed.near(r, 0.05) || l.eyesClosed.near(le, 0.05)) {
		return true
	}
	size, ipd := f.Size/s.scale(), f.IPD/s.scale()
	return (l.faceSize.ok && math.Abs(size/l.faceSize.v-1) <= 0.03) || (l.eyeDist.ok && math.Abs(ipd/l.eyeDist.v-1) <= 0.03)
}

// fixNum is the decode scale (eighths) Fix's plan will need for these
// faces, found on the decoded image: more than the current one when the
// face must keep more pixels than the recommended height leaves it.
func (s *state) fixNum(faces []facecheck.Face) int {
	if !s.dec.scalable || s.num >= 8 {
		return s.num
	}
	in := make([]facecheck.Face, len(faces))
	for i, f := range faces {
		in[i] = f.Scaled(1 / s.scale())
	}
	return max(s.num, s.planNumFor(in))
}

// planNumFor is the decode scale Fix's plan needs for faces in the
// input's pixels.
func (s *state) planNumFor(faces []facecheck.Face) int {
	saved := s.m.Faces
	s.m.Faces = faces
	p := s.planFix()
	s.m.Faces = saved
	return codec.NumAtLeast(p.scale)
}

// reportFaces turns measured faces into report entries, rounded for
// reading.
func reportFaces(faces []facecheck.Face, isos []iso.Components, landmarks bool) []Face {
	out := make([]Face, len(faces))
	r1 := func(v float64) float64 { return math.Round(v*10) / 10 }
	for i, f := range faces {
		ext := f.Extent()
		out[i] = Face{
			Box:    [4]int{f.Box.Min.X, f.Box.Min.Y, f.Box.Dx(), f.Box.Dy()},
			Extent: [4]int{ext.Min.X, ext.Min.Y, ext.Dx(), ext.Dy()},
			Size:   r1(f.Size), IPD: r1(f.IPD),
			Yaw: r1(f.Pose.Yaw), Pitch: r1(f.Pose.Pitch), Roll: r1(f.Pose.Roll),
		}
		if f.IPD > 0 {
			out[i].EyePoints = [][2]float64{{r1(f.Eyes.Right[0]), r1(f.Eyes.Right[1])}, {r1(f.Eyes.Left[0]), r1(f.Eyes.Left[1])}}
		}
		if r, l, ok := quality.EyeAspectRatio(f.Landmarks); ok {
			out[i].Eyes = []float64{math.Round(r*1000) / 1000, math.Round(l*1000) / 1000}
		}
		if i < len(isos) {
			out[i].ISO = isos[i]
		}
		out[i].Cover = coverOf(f.Cover, true)
		if landmarks {
			out[i].Landmarks = make([][2]int, len(f.Landmarks))
			for j, p := range f.Landmarks {
				out[i].Landmarks[j] = [2]int{p.X, p.Y}
			}
		}
	}
	return out
}
