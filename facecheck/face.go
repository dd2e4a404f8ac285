package facecheck

import (
	"image"
	"math"
	"slices"

	"github.com/facegate/facegate/internal/geom"
)

// Face is one measured face. Coordinates are those of the image it was
// found in.
type Face struct {
	// Box is HOG's rectangle, mapped back from the copy the detector ran
	// on (its sizes come in steps of about 20 %, dlib's image pyramid, so
	// rules should judge Size instead); for a face the keypoint detector
	// found, a square of side Size placed as HOG's box sits on a face, on
	// the fitted eyes (see landmarkBox).
	Box   image.Rectangle
	Score float64
	// Landmarks are the predictor's points (68 or 5), found on the image
	// (on a copy of the face turned upright, for a keypoint face tilted
	// more than 10°, and turned back).
	Landmarks []image.Point
	Eyes      Eyes
	IPD       float64 // distance between the eye centres, pixels
	// Size is the face's width in pixels on dlib's box scale, derived from
	// the landmarks so that it is continuous in the image's resolution:
	// 1.07 × the distance between the face contour points at eye level (0
	// and 16) with 68 points, 2.45 × IPD with 5. The factors are the median
	// ratios of dlib's box width to those distances over the corpus.
	Size float64
	Pose Pose
	// Keys is the keypoint detector's reading of the face (nil from HOG),
	// in the same coordinates.
	Keys *KeyFace
	// Cover is the face-surface model's reading (nil when not read).
	Cover *Cover
}

// Calibration of Size (see Face.Size).
const (
	sizePerContour = 1.07
	sizePerIPD     = 2.45
)

// Measure computes a face's eyes, IPD, size and pose from its landmarks.
func Measure(box image.Rectangle, score float64, pts []image.Point) (Face, error) {
	eyes, err := EyeCentres(pts)
	if err != nil {
		return Face{}, err
	}
	pose, err := EstimatePose(pts)
	if err != nil {
		return Face{}, err
	}
	f := Face{Box: box, Score: score, Landmarks: pts, Eyes: eyes, IPD: eyes.IPD(), Pose: pose}
	if len(pts) == 68 {
		f.Size = sizePerContour * math.Hypot(float64(pts[16].X-pts[0].X), float64(pts[16].Y-pts[0].Y))
	} else {
		f.Size = sizePerIPD * f.IPD
	}
	return f, nil
}

// Extent is the smallest rectangle that holds the face's box and its
// landmarks; landmarks may lie outside the image when the face is cut off.
func (f *Face) Extent() image.Rectangle {
	return f.Box.Union(geom.Bounds(f.Landmarks))
}

// FivePoints returns the 5-point layout of dlib's 5-point model (the
// image-right eye's outer and inner corner, the image-left eye's outer and
// inner corner, the nose base) taken from 68 landmarks.
func FivePoints(pts68 []image.Point) []image.Point {
	if len(pts68) != 68 {
		return nil
	}
	return []image.Point{pts68[45], pts68[42], pts68[36], pts68[39], pts68[33]}
}

// Scaled returns the face as it would measure on the image scaled by k:
// boxes, landmarks, eyes, IPD and Size are multiplied by k; pose and score
// do not change. It maps a face found on a reduced copy back to the
// original's pixels.
func (f Face) Scaled(k float64) Face {
	if k == 1 {
		return f
	}
	// Box edges scale as they are; a point names a pixel, whose centre
	// (x + 0.5) is what scales.
	edge := func(p image.Point) image.Point {
		return image.Pt(int(math.Round(float64(p.X)*k)), int(math.Round(float64(p.Y)*k)))
	}
	centre := func(v float64) float64 { return (v+0.5)*k - 0.5 }
	out := f
	out.Box = image.Rectangle{Min: edge(f.Box.Min), Max: edge(f.Box.Max)}
	out.Landmarks = make([]image.Point, len(f.Landmarks))
	for i, p := range f.Landmarks {
		out.Landmarks[i] = image.Pt(int(math.Round(centre(float64(p.X)))), int(math.Round(centre(float64(p.Y)))))
	}
	out.Eyes = Eyes{
		Right: [2]float64{centre(f.Eyes.Right[0]), centre(f.Eyes.Right[1])},
		Left:  [2]float64{centre(f.Eyes.Left[0]), centre(f.Eyes.Left[1])},
	}
	out.IPD, out.Size = f.IPD*k, f.Size*k
	if f.Keys != nil {
		kf := f.Keys.mapped(func(x, y float64) (float64, float64) { return centre(x), centre(y) })
		out.Keys = &kf
	}
	if f.Cover != nil {
		c := *f.Cover
		c.Crop = Crop{CX: f.Cover.Crop.CX * k, CY: f.Cover.Crop.CY * k, Side: f.Cover.Crop.Side * k, Angle: f.Cover.Crop.Angle}
		out.Cover = &c
	}
	return out
}

// Turned returns the face as it is on its image (w×h) turned by q
// quarter turns clockwise: box, landmarks and eyes move with the pixels,
// the roll turns by 90° per quarter, size, IPD, yaw and pitch stay.
func (f Face) Turned(q, w, h int) Face {
	q &= 3
	if q == 0 {
		return f
	}
	// A pixel (x, y) of a w×h image, after one quarter turn clockwise, is
	// at (h-1-y, x) of an h×w image.
	pt := func(x, y float64, w, h int) (float64, float64) { return float64(h-1) - y, x }
	out := f
	out.Landmarks = slices.Clone(f.Landmarks)
	for range q {
		b := out.Box
		out.Box = image.Rect(h-b.Max.Y, b.Min.X, h-b.Min.Y, b.Max.X)
		for i, p := range out.Landmarks {
			x, y := pt(float64(p.X), float64(p.Y), w, h)
			out.Landmarks[i] = image.Pt(int(x), int(y))
		}
		out.Eyes.Right[0], out.Eyes.Right[1] = pt(out.Eyes.Right[0], out.Eyes.Right[1], w, h)
		out.Eyes.Left[0], out.Eyes.Left[1] = pt(out.Eyes.Left[0], out.Eyes.Left[1], w, h)
		if out.Keys != nil {
			hh := h
			kf := out.Keys.mapped(func(x, y float64) (float64, float64) { return float64(hh-1) - y, x })
			kf.Turn = (kf.Turn + 1) & 3
			out.Keys = &kf
		}
		if out.Cover != nil {
			c := *out.Cover
			// The crop's centre is a point, not a pixel: (x, y) -> (h-y, x).
			c.Crop.CX, c.Crop.CY = float64(h)-out.Cover.Crop.CY, out.Cover.Crop.CX
			c.Crop.Angle = math.Remainder(out.Cover.Crop.Angle+math.Pi/2, 2*math.Pi)
			out.Cover = &c
		}
		w, h = h, w
	}
	out.Pose.Roll = math.Remainder(f.Pose.Roll+90*float64(q), 360)
	return out
}
