package facecheck

import (
	"fmt"
	"image"
	"math"
)

// Eyes are the centres of the two eyes, in image coordinates. Right is the
// subject's right eye, which is on the image's left in a frontal photo.
type Eyes struct {
	Right, Left [2]float64
}

// EyeCentres returns the mean of each eye's landmarks (68-point model:
// points 36-41 and 42-47).
func EyeCentres(pts []image.Point) (Eyes, error) {
	if len(pts) != 68 {
		return Eyes{}, fmt.Errorf("eye centres need the 68-point model, got %d points", len(pts))
	}
	mean := func(a, b int) [2]float64 {
		var x, y float64
		for _, p := range pts[a : b+1] {
			x += float64(p.X)
			y += float64(p.Y)
		}
		n := float64(b - a + 1)
		return [2]float64{x / n, y / n}
	}
	return Eyes{Right: mean(36, 41), Left: mean(42, 47)}, nil
}

// IPD is the distance between the eye centres, in pixels.
func (e Eyes) IPD() float64 {
	return math.Hypot(e.Left[0]-e.Right[0], e.Left[1]-e.Right[1])
}

// Roll is the angle of the eye line in degrees, from the subject's right eye
// to the left eye. 0 is level. Positive means the line runs downwards in the
// image (y grows downwards): the head is tilted clockwise as seen in the photo.
func (e Eyes) Roll() float64 {
	return math.Atan2(e.Left[1]-e.Right[1], e.Left[0]-e.Right[0]) * 180 / math.Pi
}
