package facecheck

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Pose is the head's rotation in degrees relative to the camera.
//
//   - Yaw > 0: the face turns towards the image's right (the subject looks
//     to their left). A frontal face is 0.
//   - Pitch > 0: the face tilts down (chin towards the chest).
//   - Roll > 0: the eye line runs downwards from the image's left eye to
//     the image's right eye, a clockwise tilt as seen in the photo.
//
// Yaw and pitch come from a scaled-orthographic fit of expression-stable
// landmarks (eye corners, nose, the face contour at eye level) to a generic
// 3D face; mouth and chin points are left out, so a smile or an open mouth
// does not read as a nod. Roll comes from the eye line, which is more
// precise than the fit.
type Pose struct {
	Yaw, Pitch, Roll float64
}

// ErrLandmarks is returned when a landmark set cannot be measured.
var ErrLandmarks = errors.New("landmarks unusable")

// A generic head, in millimetres: x towards the image's right, y up, z
// towards the camera, the nose tip at the origin. Values are rounded adult
// means (eye corners 90 and 32 mm apart, nose 50 mm from bridge to tip).
type modelPoint struct {
	i   int // landmark index
	xyz [3]float64
}

// modelTilt is the pitch, in degrees, at which the generic head's landmarks
// line up with an average portrait's. Without it, frontal portraits in the
// corpus read a median pitch of +6°: the raw model's eye corners and face
// contour sit a little high for its nose.
const modelTilt = 6

var (
	model68 = tilted([]modelPoint{
		{27, [3]float64{0, 48, -20}},   // nose bridge
		{30, [3]float64{0, 0, 0}},      // nose tip
		{33, [3]float64{0, -16, -14}},  // nose base
		{36, [3]float64{-45, 36, -40}}, // outer corner, image-left eye
		{39, [3]float64{-16, 36, -28}}, // inner corner, image-left eye
		{42, [3]float64{16, 36, -28}},  // inner corner, image-right eye
		{45, [3]float64{45, 36, -40}},  // outer corner, image-right eye
		{0, [3]float64{-70, 28, -100}}, // face contour at eye level, image left
		{16, [3]float64{70, 28, -100}}, // face contour at eye level, image right
	}, modelTilt)
	// dlib's 5-point model: outer and inner corner of the image-right eye,
	// outer and inner corner of the image-left eye, nose base.
	model5 = []modelPoint{
		{0, model68[6].xyz}, {1, model68[5].xyz}, {2, model68[3].xyz}, {3, model68[4].xyz}, {4, model68[2].xyz},
	}
)

// tilted turns the model nose-down by deg about the x axis.
func tilted(m []modelPoint, deg float64) []modelPoint {
	a := deg * math.Pi / 180
	out := make([]modelPoint, len(m))
	for i, p := range m {
		y, z := p.xyz[1], p.xyz[2]
		out[i] = modelPoint{p.i, [3]float64{p.xyz[0], y*math.Cos(a) - z*math.Sin(a), y*math.Sin(a) + z*math.Cos(a)}}
	}
	return out
}

// EstimatePose measures yaw, pitch and roll from 68 or 5 landmarks.
func EstimatePose(pts []image.Point) (Pose, error) {
	var model []modelPoint
	switch len(pts) {
	case 68:
		model = model68
	case 5:
		model = model5
	default:
		return Pose{}, fmt.Errorf("%w: pose needs 68 or 5 points, got %d", ErrLandmarks, len(pts))
	}
	eyes, err := EyeCentres(pts)
	if err != nil {
		return Pose{}, err
	}
	// Yaw and pitch are solved with the eye line level, so that they do
	// not mix when the head (or the photo) is turned in the image plane.
	roll := eyes.Roll() * math.Pi / 180
	sin, cos := math.Sin(roll), math.Cos(roll)
	img := make([][2]float64, 0, len(model))
	obj := make([][3]float64, 0, len(model))
	for _, p := range model {
		x, y := float64(pts[p.i].X), float64(pts[p.i].Y)
		img = append(img, [2]float64{cos*x + sin*y, -(-sin*x + cos*y)}) // level, y up
		obj = append(obj, p.xyz)
	}
	yaw, pitch, err := solveOrthographic(img, obj)
	if err != nil {
		return Pose{}, err
	}
	return Pose{Yaw: yaw, Pitch: pitch, Roll: eyes.Roll()}, nil
}

// solveOrthographic fits a scaled rotation (the first two rows of s·R) that
// maps the model points onto the image points, least squares, and returns
// R's yaw and pitch in degrees. R = Rz(roll)·Ry(yaw)·Rx(pitch) applied to
// the model, with the camera looking down -z.
func solveOrthographic(img [][2]float64, obj [][3]float64) (yaw, pitch float64, err error) {
	n := float64(len(img))
	var mi [2]float64
	var mo [3]float64
	for k := range img {
		for j := range 2 {
			mi[j] += img[k][j] / n
		}
		for j := range 3 {
			mo[j] += obj[k][j] / n
		}
	}
	// M (2x3) = (A Bᵀ)(B Bᵀ)⁻¹ over centred points.
	var abt [2][3]float64
	var bbt [3][3]float64
	for k := range img {
		for r := range 3 {
			br := obj[k][r] - mo[r]
			for c := range 2 {
				abt[c][r] += (img[k][c] - mi[c]) * br
			}
			for c := range 3 {
				bbt[r][c] += br * (obj[k][c] - mo[c])
			}
		}
	}
	inv, ok := inverse3(bbt)
	if !ok {
		return 0, 0, fmt.Errorf("%w: degenerate model", ErrLandmarks)
	}
	var m [2][3]float64
	for r := range 2 {
		for c := range 3 {
			for k := range 3 {
				m[r][c] += abt[r][k] * inv[k][c]
			}
		}
	}
	r1, ok1 := unit(m[0])
	r2, ok2 := unit(m[1])
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("%w: the points are degenerate", ErrLandmarks)
	}
	// Make the rows orthonormal symmetrically: move each by half the overlap.
	d := dot(r1, r2)
	r1, _ = unit(sub(r1, scale(r2, d/2)))
	r2, _ = unit(sub(r2, scale(r1, d/2)))
	r3, ok := unit(cross(r1, r2))
	if !ok {
		return 0, 0, fmt.Errorf("%w: the points are degenerate", ErrLandmarks)
	}
	// The model's forward axis (0,0,1) lands on the third column of R:
	// (r1[2], r2[2], r3[2]). Its x part is the turn, its y part the nod.
	fx, fy, fz := r1[2], r2[2], r3[2]
	yaw = math.Atan2(fx, fz) * 180 / math.Pi
	pitch = math.Atan2(-fy, math.Hypot(fx, fz)) * 180 / math.Pi
	if math.IsNaN(yaw) || math.IsNaN(pitch) {
		return 0, 0, fmt.Errorf("%w: no pose fits", ErrLandmarks)
	}
	return yaw, pitch, nil
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func scale(a [3]float64, s float64) [3]float64 { return [3]float64{a[0] * s, a[1] * s, a[2] * s} }

func unit(v [3]float64) ([3]float64, bool) {
	n := math.Sqrt(dot(v, v))
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return v, false
	}
	return scale(v, 1/n), true
}

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func inverse3(m [3][3]float64) ([3][3]float64, bool) {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	if math.Abs(det) < 1e-9 {
		return m, false
	}
	var inv [3][3]float64
	for r := range 3 {
		for c := range 3 {
			// the cofactor of (c, r) over the determinant
			r1, r2 := (c+1)%3, (c+2)%3
			c1, c2 := (r+1)%3, (r+2)%3
			inv[r][c] = (m[r1][c1]*m[r2][c2] - m[r1][c2]*m[r2][c1]) / det
		}
	}
	return inv, true
}
