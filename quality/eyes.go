package quality

import (
	"image"
	"math"
)

// EyeAspectRatio is the height of an eye over its width from the six
// points of the 68-point model (p1..p6 = corner, two upper lid points,
// corner, two lower lid points): (|p2-p6| + |p3-p5|) / (2 |p1-p4|). About
// 0.3 for an open eye, near 0 for a closed one. It returns the subject's
// right eye (points 36-41) and left eye (42-47); ok is false without 68
// points.
func EyeAspectRatio(pts []image.Point) (right, left float64, ok bool) {
	if len(pts) != 68 {
		return 0, 0, false
	}
	return ear(pts[36:42]), ear(pts[42:48]), true
}

func ear(p []image.Point) float64 {
	d := func(a, b image.Point) float64 { return math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)) }
	w := d(p[0], p[3])
	if w == 0 {
		return 0
	}
	return (d(p[1], p[5]) + d(p[2], p[4])) / (2 * w)
}
