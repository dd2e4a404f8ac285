package facecheck

import (
	"errors"
	"math"
	"sync/atomic"
)

// ErrRuntime is wrapped by every error that ONNX Runtime reports, and by
// a runtime library that cannot be loaded.
var ErrRuntime = errors.New("onnx runtime")

// maxModelBytes bounds the model file read into memory (BlazeFace is
// 0.6 MB).
const maxModelBytes = 64 << 20

// padValue fills the letterbox margins: black, on the model's [-1, 1].
const padValue = -1

// forwards counts the detector's runs in this process.
var forwards atomic.Int64

// Forwards is how many times the keypoint detector has run in this
// process (for logs, metrics and benchmarks).
func Forwards() int64 { return forwards.Load() }

// KeyFace is a face BlazeFace found, in the image's coordinates.
type KeyFace struct {
	// Box is the detector's box (x0, y0, x1, y1), axis-aligned in the
	// view it was found in.
	Box [4]float64
	// Points are the keypoints, indexed by Keypoint.
	Points [blazeKeypoints][2]float64
	Score  float64
	// Scale is the detector's input pixels per image pixel of the view
	// the face was found in, and Turn that view's quarter turns.
	Scale float64
	Turn  int
}

// mapped returns the face with every point moved by f (a similarity of
// the image: boxes are re-made from their mapped corners).
func (k KeyFace) mapped(f func(x, y float64) (float64, float64)) KeyFace {
	out := k
	x0, y0 := f(k.Box[0], k.Box[1])
	x1, y1 := f(k.Box[2], k.Box[3])
	out.Box = [4]float64{math.Min(x0, x1), math.Min(y0, y1), math.Max(x0, x1), math.Max(y0, y1)}
	for i, p := range k.Points {
		out.Points[i][0], out.Points[i][1] = f(p[0], p[1])
	}
	ax, ay := f(0, 0)
	bx, by := f(1, 0)
	out.Scale = k.Scale / math.Hypot(bx-ax, by-ay)
	return out
}

// Scaled returns the face as it is on the image scaled by k (pixel
// centres scale).
func (k KeyFace) Scaled(f float64) KeyFace {
	c := func(v float64) float64 { return (v+0.5)*f - 0.5 }
	return k.mapped(func(x, y float64) (float64, float64) { return c(x), c(y) })
}

// Roll is the angle of the eye line, in degrees: 0 upright, positive when
// the line runs down from the image-left eye to the image-right eye, up
// to ±180 for a face upside down.
func (k KeyFace) Roll() float64 {
	r, l := k.Points[RightEye], k.Points[LeftEye]
	return math.Atan2(l[1]-r[1], l[0]-r[0]) * 180 / math.Pi
}

// IPD is the distance between the two eye keypoints.
func (k KeyFace) IPD() float64 {
	r, l := k.Points[RightEye], k.Points[LeftEye]
	return math.Hypot(l[0]-r[0], l[1]-r[1])
}
